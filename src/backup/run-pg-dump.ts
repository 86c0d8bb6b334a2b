import { rename, rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { scrubSecrets } from '../scrub-secrets.js';
import { hashBackupFiles, writeBackupManifest } from './backup-manifest.js';
import type { BackupResult } from './backup-result.js';
import { classifyPgToolError } from './classify-pg-tool-error.js';
import { lockDownBackup } from './lock-down-backup.js';
import { type DumpSnapshot, openDumpSnapshot } from './open-dump-snapshot.js';
import { createProgressTracker, type PgProgress } from './parse-pg-progress.js';
import { pgToolConnection } from './pg-tool-connection.js';
import { assertToolSupportsServer, pgToolPath, pgToolVersion, serverMajor } from './pg-tool-version.js';
import { diskError, prepareBackupDir } from './prepare-backup-dir.js';
import { MARKER_SCHEMA } from './restore-marker.js';
import { spawnPgTool } from './spawn-pg-tool.js';

export interface RunPgDumpOptions {
  databaseUrl: string;
  /** Final backup directory, e.g. `<backup.dir>/<run>`; written as `<dir>.partial` until complete. */
  dir: string;
  jobs: number;
  signal?: AbortSignal;
  onProgress?: (p: PgProgress) => void;
  log?: Logger;
  /** Directory of the pg_dump binary; default: PATH. */
  binDir?: string;
  /** gzip level 0–9 of the dump files. 0 is fastest; Kong databases are small. */
  compress?: number;
  /** Replace a finished backup already at `dir` (only once the new one is complete). */
  replaceExisting?: boolean;
  now?: () => Date;
}

/**
 * `pg_dump --format=directory --jobs=N` with exact row counts from the same snapshot, a sha256
 * manifest, and progress per table. Only a complete, checksummed backup ever appears at `dir`.
 */
export async function runPgDump(options: RunPgDumpOptions): Promise<BackupResult> {
  const now = options.now ?? (() => new Date());
  const masked = maskUrl(options.databaseUrl);
  const log = options.log?.child({ component: 'pg_dump', database: masked, dir: options.dir });
  const startedAt = now().toISOString();
  const connection = pgToolConnection(options.databaseUrl);

  const major = await serverMajor(options.databaseUrl);
  const version = await pgToolVersion('pg_dump', { serverMajor: major, ...optional(options) });
  assertToolSupportsServer('pg_dump', version, major);

  const partial = await prepareBackupDir(options.dir, options.replaceExisting ?? false);
  let snapshot: DumpSnapshot | undefined;
  try {
    snapshot = await openDumpSnapshot(options.databaseUrl);
    const progress = createProgressTracker(snapshot.tables.length, options.onProgress);
    log?.info({ tables: snapshot.tables.length, jobs: options.jobs }, 'backup started');
    const counting = snapshot.countRows();
    counting.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
    const run = await spawnPgTool({
      command: pgToolPath('pg_dump', options.binDir),
      args: [
        connection.dbnameArg,
        '--format=directory',
        `--jobs=${Math.max(1, Math.floor(options.jobs))}`,
        `--file=${partial}`,
        `--snapshot=${snapshot.snapshotId}`,
        `--exclude-schema=${MARKER_SCHEMA}`,
        `--compress=${options.compress ?? 0}`,
        '--verbose',
      ],
      env: {
        ...connection.env,
        LC_MESSAGES: 'C',
        PGAPPNAME: 'kong-upgrade-bot backup',
        PGCONNECT_TIMEOUT: '10',
      },
      onStderrLine: (line) => progress.line(line),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (run.aborted) {
      throw new AppError(
        'E_BACKUP_FAILED',
        'The backup was stopped before it finished; its partial files were removed.',
        {
          retryable: true,
          details: { aborted: true, dir: options.dir },
        },
      );
    }
    if (run.spawnError !== undefined || run.exitCode !== 0) {
      throw classifyPgToolError({
        tool: 'pg_dump',
        exitCode: run.exitCode,
        stderr: scrubSecrets(run.stderrTail.join('\n'), [connection.env.PGPASSWORD ?? '']),
        maskedUrl: masked,
        dir: options.dir,
        serverMajor: major,
        ...(run.spawnError?.code ? { spawnErrorCode: run.spawnError.code } : {}),
      });
    }
    const rowCounts = await counting;
    await snapshot.close();
    snapshot = undefined;
    const { files, sizeBytes } = await hashBackupFiles(partial);
    const finishedAt = now().toISOString();
    await writeBackupManifest(partial, {
      formatVersion: 1,
      format: 'directory',
      files,
      rowCounts,
      sizeBytes,
      startedAt,
      finishedAt,
    });
    await lockDownBackup(partial).catch((cause: unknown) => {
      throw diskError(cause, options.dir);
    });
    await publish(partial, options.dir, options.replaceExisting ?? false);
    log?.info({ sizeBytes, tables: Object.keys(rowCounts).length }, 'backup finished');
    return {
      path: options.dir,
      format: 'directory',
      sizeBytes,
      manifest: files,
      rowCounts,
      tables: Object.keys(rowCounts).length,
      startedAt,
      finishedAt,
    };
  } catch (error) {
    await snapshot?.close();
    // Never leave something that could be taken for a backup.
    await rm(partial, { recursive: true, force: true }).catch(() => undefined);
    log?.warn(
      { code: error instanceof AppError ? error.code : undefined },
      'backup failed; partial files removed',
    );
    throw error;
  }
}

/** Renames the finished `<dir>.partial` to `<dir>`; an old backup is swapped out only now. */
async function publish(partial: string, dir: string, replaceExisting: boolean): Promise<void> {
  try {
    if (replaceExisting) {
      const old = `${dir}.replaced-${Date.now()}`;
      await rename(dir, old).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      await rename(partial, dir);
      await rm(old, { recursive: true, force: true });
      return;
    }
    await rename(partial, dir);
  } catch (cause) {
    throw diskError(cause, dir);
  }
}

function optional(options: RunPgDumpOptions): { binDir?: string; signal?: AbortSignal } {
  return {
    ...(options.binDir !== undefined ? { binDir: options.binDir } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  };
}
