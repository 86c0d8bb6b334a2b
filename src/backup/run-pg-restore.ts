import pg from 'pg';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { scrubSecrets } from '../scrub-secrets.js';
import { inspectRestoreTarget } from './check-restore-target.js';
import { classifyPgClientError } from './classify-pg-client-error.js';
import { classifyPgToolError } from './classify-pg-tool-error.js';
import { parseArchiveList } from './parse-archive-list.js';
import { createProgressTracker, type PgProgress } from './parse-pg-progress.js';
import { pgToolConnection } from './pg-tool-connection.js';
import { pgToolPath, pgToolVersion } from './pg-tool-version.js';
import { dropCreatedSince, readFootprint } from './restore-footprint.js';
import {
  finishRestoreMarker,
  MARKER_SCHEMA,
  readRestoreMarker,
  writeRestoreMarker,
} from './restore-marker.js';
import { spawnPgTool } from './spawn-pg-tool.js';
import { assertBackupIntact } from './verify-backup-manifest.js';

export interface RunPgRestoreOptions {
  databaseUrl: string;
  /** A finished backup directory (with manifest.json). */
  dir: string;
  jobs: number;
  runId: string;
  signal?: AbortSignal;
  onProgress?: (p: PgProgress) => void;
  log?: Logger;
  binDir?: string;
  now?: () => Date;
}

export interface RestoreResult {
  /** Masked URL of the database restored into. */
  database: string;
  path: string;
  tables: number;
  /** True when this run had restored into the database before and it was cleaned first. */
  rerun: boolean;
  rowCounts: Record<string, number>;
  startedAt: string;
  finishedAt: string;
}

// One restore per database at a time; the key is arbitrary but fixed.
const RESTORE_LOCK_KEY = 0x6b6f6e67;

/**
 * Verifies the backup's checksums, claims Y's database for this run (refusing one that holds
 * somebody else's tables), then runs `pg_restore --jobs=N --no-owner --no-privileges`.
 */
export async function runPgRestore(options: RunPgRestoreOptions): Promise<RestoreResult> {
  const now = options.now ?? (() => new Date());
  const masked = maskUrl(options.databaseUrl);
  const log = options.log?.child({ component: 'pg_restore', database: masked, dir: options.dir });
  const startedAt = now().toISOString();
  const connection = pgToolConnection(options.databaseUrl);
  const manifest = await assertBackupIntact(options.dir);
  const tool = pgToolPath('pg_restore', options.binDir);
  const signalOpt = options.signal ? { signal: options.signal } : {};
  await pgToolVersion('pg_restore', { ...(options.binDir ? { binDir: options.binDir } : {}), ...signalOpt });

  const listing = await spawnPgTool({
    command: tool,
    args: ['--list', options.dir],
    captureStdout: true,
    ...signalOpt,
  });
  if (listing.exitCode !== 0) {
    throw classifyPgToolError({
      tool: 'pg_restore',
      exitCode: listing.exitCode,
      stderr: listing.stderrTail.join('\n'),
      maskedUrl: masked,
      dir: options.dir,
    });
  }
  const archive = parseArchiveList(listing.stdout);

  const client = new pg.Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  let rerun = false;
  try {
    try {
      await client.connect();
    } catch (error) {
      throw classifyPgClientError(error, masked, "connect to Y's database");
    }
    // Held for the whole restore: a second restore into the same database is refused, not interleaved.
    const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
      RESTORE_LOCK_KEY,
    ]);
    if (lock.rows[0]?.ok !== true) {
      throw new AppError(
        'E_RESTORE_FAILED',
        `Another restore into ${masked} is running. Wait for it to finish (or stop it), then retry.`,
        { retryable: true, details: { database: masked } },
      );
    }
    const target = await inspectRestoreTarget(client, options.runId, masked);
    if (target.status === 'rerun') {
      rerun = true;
      const dropped = await dropRestoredObjects(client, masked);
      log?.info(
        { tables: target.tables, dropped },
        'this run restored here before: dropped what it restored',
      );
    }
    // What Y holds now (objects that were there before the run) is what a retry must keep.
    await writeRestoreMarker(client, options.runId, options.dir, await readFootprint(client));

    const progress = createProgressTracker(archive.tableData, options.onProgress);
    log?.info({ tables: archive.tableData, jobs: options.jobs, rerun }, 'restore started');
    const run = await spawnPgTool({
      command: tool,
      args: [
        connection.dbnameArg,
        `--jobs=${Math.max(1, Math.floor(options.jobs))}`,
        '--no-owner',
        '--no-privileges',
        '--exit-on-error',
        '--verbose',
        options.dir,
      ],
      env: {
        ...connection.env,
        LC_MESSAGES: 'C',
        PGAPPNAME: 'kong-upgrade-bot restore',
        PGCONNECT_TIMEOUT: '10',
      },
      onStderrLine: (line) => progress.line(line),
      ...signalOpt,
    });
    if (run.aborted) {
      throw new AppError(
        'E_RESTORE_FAILED',
        `The restore into ${masked} was stopped before it finished. Run it again: the database is marked as this run's, so it will be cleaned and restored from scratch.`,
        { retryable: true, details: { aborted: true, database: masked } },
      );
    }
    if (run.spawnError !== undefined || run.exitCode !== 0) {
      const error = classifyPgToolError({
        tool: 'pg_restore',
        exitCode: run.exitCode,
        stderr: scrubSecrets(run.stderrTail.join('\n'), [connection.env.PGPASSWORD ?? '']),
        maskedUrl: masked,
        dir: options.dir,
        ...(run.spawnError?.code ? { spawnErrorCode: run.spawnError.code } : {}),
      });
      error.details.stderrTail = scrubSecrets(run.stderrTail.slice(-15).join('\n'), [
        connection.env.PGPASSWORD ?? '',
      ]);
      throw error;
    }
    await finishRestoreMarker(client, options.runId);
    const finishedAt = now().toISOString();
    log?.info({ tables: archive.tableData }, 'restore finished');
    return {
      database: masked,
      path: options.dir,
      tables: archive.tableData,
      rerun,
      rowCounts: manifest.rowCounts,
      startedAt,
      finishedAt,
    };
  } finally {
    // Ending the session also releases the advisory lock.
    await client.end().catch(() => undefined);
  }
}

/**
 * Drops what an earlier (maybe interrupted) restore of this run created: every object that is not in
 * the footprint recorded before that restore started. Objects that were in Y before the run stay.
 */
async function dropRestoredObjects(client: pg.Client, masked: string): Promise<string[]> {
  const marker = await readRestoreMarker(client);
  if (marker?.footprint === null || marker?.footprint === undefined) {
    throw new AppError(
      'E_RESTORE_FAILED',
      `This run restored into ${masked} before, but that restore did not record what Y held beforehand, so the bot cannot tell its objects from others. Empty Y's database by hand (or point clusterY.databaseUrl at an empty one), then retry.`,
      { details: { database: masked } },
    );
  }
  await client.query('BEGIN');
  try {
    const dropped = await dropCreatedSince(client, marker.footprint, MARKER_SCHEMA);
    await client.query('COMMIT');
    return dropped;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
