import { join } from 'node:path';
import type { BackupManifest } from '../src/backup/backup-manifest.js';
import { formatBytes } from '../src/backup/format-bytes.js';
import { pathExists } from '../src/backup/path-exists.js';
import { PARTIAL_SUFFIX } from '../src/backup/prepare-backup-dir.js';
import { runPgDump } from '../src/backup/run-pg-dump.js';
import { sameManifestFiles } from '../src/backup/same-manifest-files.js';
import { PG_DUMP_APP_NAME, stopOrphanedPgTools } from '../src/backup/stop-orphaned-pg-tools.js';
import { verifyBackupManifest } from '../src/backup/verify-backup-manifest.js';
import type { JobContext, JobDefinition, JobOutcome } from '../src/engine/job-definition.js';
import { withRemedy } from '../src/engine/with-remedy.js';
import { asAppError } from '../src/errors.js';
import { formatCount, formatDuration } from '../src/metrics/format-numbers.js';
import type { Backup } from '../src/store/backup-store.js';

export interface BackupJobOptions {
  /** Directory holding pg_dump; default: PATH (tests point it at a missing or too old pg_dump). */
  binDir?: string;
}

/**
 * Kong's upgrade step 2: `pg_dump --format=directory --jobs=N` of X's database into
 * `<backup.dir>/<run>`, checksummed, recorded in `backups`. A retry reuses this run's backup when it
 * is complete and its checksums hold; otherwise it starts from a clean directory.
 */
export function createBackupJob(options: BackupJobOptions = {}): JobDefinition {
  return { name: 'backup', phase: 'backup', run: (ctx) => runBackup(ctx, options) };
}

export const backupJob: JobDefinition = createBackupJob();

async function runBackup(ctx: JobContext, options: BackupJobOptions): Promise<JobOutcome> {
  const { run, env, deps, signal, log, progress } = ctx;
  const dir = join(env.backup.dir, run.id);
  const remedy = `When that is fixed, start a new run with \`/kong-upgrade start ${run.environment}\`.`;
  const previous = await deps.store.backups.getLatestBackup(run.id);
  const found = await inspectBackupDir(dir, previous);
  if (found.status === 'reusable') return reuse(ctx, dir, found.manifest);

  if (previous?.status === 'running' || (await pathExists(`${dir}${PARTIAL_SUFFIX}`))) {
    // An earlier attempt was interrupted: its pg_dump may still be running (own process group).
    await stopOrphanedPgTools({
      databaseUrl: env.clusterX.databaseUrl,
      applicationName: PG_DUMP_APP_NAME,
      log,
    });
  }
  const startedAt = deps.now();
  const started = Date.now();
  await deps.store.backups.recordBackup({
    runId: run.id,
    path: dir,
    format: 'directory',
    startedAt,
    status: 'running',
  });
  await progress.report({ done: 0, total: 1, label: "starting pg_dump of X's database" });
  let result: Awaited<ReturnType<typeof runPgDump>>;
  try {
    result = await runPgDump({
      databaseUrl: env.clusterX.databaseUrl,
      dir,
      jobs: env.backup.jobs,
      signal,
      log,
      now: deps.now,
      // Only a directory of this run that fails its checksums is replaced; anything else is refused.
      replaceExisting: found.status === 'broken',
      ...(options.binDir !== undefined ? { binDir: options.binDir } : {}),
      onProgress: (p) => {
        void progress.report({ done: p.done, total: p.total, label: `dumped ${p.table ?? 'a table'}` });
      },
    });
  } catch (err) {
    const error = asAppError(err);
    if (!error.retryable) {
      await deps.store.backups
        .recordBackup({
          runId: run.id,
          path: dir,
          format: 'directory',
          startedAt,
          status: 'failed',
          finishedAt: deps.now(),
        })
        .catch(() => undefined);
    }
    throw withRemedy(error, remedy);
  }
  await deps.store.backups.recordBackup({
    runId: run.id,
    path: result.path,
    format: result.format,
    sizeBytes: result.sizeBytes,
    manifest: result.manifest,
    rowCounts: result.rowCounts,
    startedAt: new Date(result.startedAt),
    finishedAt: new Date(result.finishedAt),
    status: 'succeeded',
  });
  const rows = sum(result.rowCounts);
  await progress.report({ done: result.tables, total: result.tables, label: 'done, checksummed' });
  return {
    type: 'succeeded',
    summary: `Backup done: ${formatCount(result.tables)} tables, ${formatBytes(result.sizeBytes)}, ${formatCount(rows)} rows, ${formatDuration((Date.now() - started) / 1000)} → ${result.path}`,
    details: { path: result.path, sizeBytes: result.sizeBytes, tables: result.tables, rows, reused: false },
  };
}

type DirState =
  | { status: 'absent' }
  | { status: 'broken' }
  | { status: 'reusable'; manifest: BackupManifest };

/**
 * A finished backup at `dir` is reused only when its checksums hold and it is this run's: the
 * `backups` row lists the same files, or (killed between publishing and recording) the dump started
 * after this run's attempt did. An intact backup that is not this run's is left to runPgDump, which
 * refuses to overwrite it.
 */
async function inspectBackupDir(dir: string, previous: Backup | null): Promise<DirState> {
  if (!(await pathExists(dir))) return { status: 'absent' };
  const check = await verifyBackupManifest(dir).catch(() => null);
  if (check === null || !check.ok) return { status: 'broken' };
  const manifest = check.manifest;
  if (previous === null || previous.path !== dir) return { status: 'absent' };
  const sameFiles = sameManifestFiles(previous.manifest, manifest.files);
  const startedSince = new Date(manifest.startedAt).getTime() >= previous.startedAt.getTime();
  if ((previous.status === 'succeeded' && sameFiles) || (previous.status === 'running' && startedSince)) {
    return { status: 'reusable', manifest };
  }
  return { status: 'absent' };
}

async function reuse(ctx: JobContext, dir: string, manifest: BackupManifest): Promise<JobOutcome> {
  const { run, deps, log, progress } = ctx;
  const tables = Object.keys(manifest.rowCounts).length;
  log.info({ dir }, 'an intact backup of this run exists: reusing it');
  await deps.store.backups.recordBackup({
    runId: run.id,
    path: dir,
    format: manifest.format,
    sizeBytes: manifest.sizeBytes,
    manifest: manifest.files,
    rowCounts: manifest.rowCounts,
    startedAt: new Date(manifest.startedAt),
    finishedAt: new Date(manifest.finishedAt),
    status: 'succeeded',
  });
  await progress.report({ done: tables, total: tables, label: 'reused the intact backup of this run' });
  const rows = sum(manifest.rowCounts);
  return {
    type: 'succeeded',
    summary: `Backup done (an earlier attempt had finished it; checksums verified): ${formatCount(tables)} tables, ${formatBytes(manifest.sizeBytes)}, ${formatCount(rows)} rows → ${dir}`,
    details: { path: dir, sizeBytes: manifest.sizeBytes, tables, rows, reused: true },
  };
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((n, c) => n + c, 0);
}
