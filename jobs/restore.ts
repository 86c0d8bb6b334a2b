import { readBackupManifest } from '../src/backup/backup-manifest.js';
import { checkConsistency } from '../src/backup/check-consistency.js';
import type { ConsistencyReport } from '../src/backup/consistency-report.js';
import { describeTableDifference } from '../src/backup/format-consistency-report.js';
import { KONG_RUNTIME_TABLES } from '../src/backup/kong-bookkeeping-tables.js';
import { runPgRestore } from '../src/backup/run-pg-restore.js';
import { sameManifestFiles } from '../src/backup/same-manifest-files.js';
import {
  hasUnfinishedRestore,
  PG_RESTORE_APP_NAME,
  stopOrphanedPgTools,
} from '../src/backup/stop-orphaned-pg-tools.js';
import type { JobContext, JobDefinition, JobOutcome } from '../src/engine/job-definition.js';
import { withRemedy } from '../src/engine/with-remedy.js';
import { AppError, asAppError } from '../src/errors.js';
import { formatCount, formatDuration } from '../src/metrics/format-numbers.js';

export interface RestoreJobOptions {
  /** Directory holding pg_restore; default: PATH. */
  binDir?: string;
}

/**
 * Kong's upgrade step 5 (restore): checks this run's backup against its checksums and its
 * `backups` row, then `pg_restore --jobs=N --no-owner` into Y's database. A database holding
 * somebody else's tables is refused and left unchanged; a retry of this run cleans what it
 * restored before and restores again. It ends by proving the copy: right after pg_restore, and
 * before the deploy may migrate Y, Y's database must equal X's table by table, row by row.
 */
export function createRestoreJob(options: RestoreJobOptions = {}): JobDefinition {
  return { name: 'restore', phase: 'restore', run: (ctx) => runRestore(ctx, options) };
}

export const restoreJob: JobDefinition = createRestoreJob();

async function runRestore(ctx: JobContext, options: RestoreJobOptions): Promise<JobOutcome> {
  const { run, env, deps, signal, log, progress } = ctx;
  const newRun = `start a new run with \`/kong-upgrade start ${run.environment}\``;
  const backup = await deps.store.backups.getLatestBackup(run.id);
  if (backup === null || backup.status !== 'succeeded') {
    throw new AppError(
      'E_BACKUP_CORRUPT',
      `Run ${run.id} has no finished backup to restore (${backup === null ? 'none was recorded' : `the latest is ${backup.status}`})`,
      { details: { remedy: `Nothing was restored. ${capitalize(newRun)}.` } },
    );
  }
  await progress.report({ done: 0, total: 1, label: 'checking the backup against its manifest' });
  // The directory must still be the backup this run recorded, not one put there since.
  const manifest = await readBackupManifest(backup.path).catch((err: unknown) => {
    throw withRemedy(asAppError(err), `Nothing was restored. ${capitalize(newRun)}.`);
  });
  if (!sameManifestFiles(manifest.files, backup.manifest)) {
    throw new AppError(
      'E_BACKUP_CORRUPT',
      `The backup in ${backup.path} is not the one run ${run.id} recorded: its file list or checksums differ`,
      {
        details: { dir: backup.path, remedy: `Nothing was restored. Do not use that directory; ${newRun}.` },
      },
    );
  }
  if (await hasUnfinishedRestore(env.clusterY.databaseUrl, run.id)) {
    // An interrupted attempt of this run: its pg_restore may still be writing (own process group).
    await stopOrphanedPgTools({
      databaseUrl: env.clusterY.databaseUrl,
      applicationName: PG_RESTORE_APP_NAME,
      log,
    });
  }
  const started = Date.now();
  let result: Awaited<ReturnType<typeof runPgRestore>>;
  try {
    result = await runPgRestore({
      databaseUrl: env.clusterY.databaseUrl,
      dir: backup.path,
      jobs: env.backup.jobs,
      runId: run.id,
      signal,
      log,
      now: deps.now,
      ...(options.binDir !== undefined ? { binDir: options.binDir } : {}),
      onProgress: (p) => {
        void progress.report({ done: p.done, total: p.total, label: `restored ${p.table ?? 'a table'}` });
      },
    });
  } catch (err) {
    const error = asAppError(err);
    throw withRemedy(
      error,
      error.code === 'E_RESTORE_TARGET_NOT_EMPTY'
        ? `Y's database was not changed. Once it points at an empty database, ${newRun}.`
        : `When that is fixed, ${newRun}.`,
    );
  }
  const rows = Object.values(result.rowCounts).reduce((n, c) => n + c, 0);
  const restoredIn = formatDuration((Date.now() - started) / 1000);
  await progress.report({
    done: result.tables,
    total: result.tables + 1,
    label: "comparing Y's database with X's",
  });
  const copy = await proveCopy(ctx, newRun);
  await progress.report({ done: result.tables + 1, total: result.tables + 1, label: 'done' });
  return {
    type: 'succeeded',
    summary: `Restore done: ${formatCount(result.tables)} tables, ${formatCount(rows)} rows into ${result.database}, ${restoredIn}${result.rerun ? ' (what an interrupted earlier attempt had restored was removed first)' : ''}. Y's database equals X's: ${formatCount(copy.tables)} tables, ${formatCount(copy.rows)} rows${copy.excluded.length > 0 ? ` (Kong's runtime tables ${copy.excluded.join(', ')} not compared)` : ''}`,
    details: {
      database: result.database,
      path: result.path,
      tables: result.tables,
      rows,
      rerun: result.rerun,
      equalTables: copy.tables,
      equalRows: copy.rows,
    },
  };
}

/**
 * Y against X, every column of every row. Kong's runtime tables (counters, heartbeats, locks) are
 * left out: a live X keeps writing them whatever the freeze, so they differ from the backup
 * without anything being wrong. Any other difference means X changed since the backup (a write
 * during the freeze) or the restore is incomplete: the run stops, naming tables and keys.
 */
async function proveCopy(
  ctx: JobContext,
  newRun: string,
): Promise<{ tables: number; rows: number; excluded: string[] }> {
  const { env, signal, log, deps } = ctx;
  let report: ConsistencyReport;
  try {
    report = await checkConsistency({
      xUrl: env.clusterX.databaseUrl,
      yUrl: env.clusterY.databaseUrl,
      exclude: KONG_RUNTIME_TABLES,
      signal,
      log,
      now: deps.now,
    });
  } catch (err) {
    throw withRemedy(
      asAppError(err),
      `Y's database was restored but not yet compared with X's. When that is fixed, ${newRun}.`,
    );
  }
  const differing = report.tables.filter((t) => !t.equal);
  if (differing.length > 0) {
    const shown = differing.slice(0, 3).map((t) => describeTableDifference(t));
    const more = differing.length > 3 ? ` and ${differing.length - 3} more tables` : '';
    throw new AppError(
      'E_RESTORE_FAILED',
      `After the restore Y's database does not equal X's: ${shown.join(', ')}${more}`,
      {
        details: {
          differingTables: differing.map((t) => t.table),
          remedy: differing.every((t) => t.liveRowsOnly)
            ? `No traffic was moved and the deploy did not run. Only tables whose rows carry a ttl differ (compared over the rows not yet expired): Kong creates and expires such rows itself, so check whether the keys named were issued or expired on X since the backup before suspecting a write; then ${newRun}.`
            : `No traffic was moved and the deploy did not run. X changed since the backup (a write during the freeze?) or the restore is incomplete; find out which, then ${newRun}.`,
        },
      },
    );
  }
  return {
    tables: report.tables.length,
    rows: report.tables.reduce((n, t) => n + t.xRows, 0),
    excluded: (report.excluded ?? []).map((t) => t.replace(/^public\./, '')),
  };
}

function capitalize(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
