import pg from 'pg';
import type { Logger } from 'pino';
import { classifyPgClientError } from '../backup/classify-pg-client-error.js';
import { pgToolConnection } from '../backup/pg-tool-connection.js';
import { runPgRestore } from '../backup/run-pg-restore.js';
import { AppError, asAppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { rehearsalLockKey } from './rehearsal-database-name.js';

export interface ScratchCopyOptions {
  /** Y's database: the copy is made on its server. */
  databaseUrl: string;
  /** The scratch database's name (rehearsalDatabaseName). */
  name: string;
  /** The run's backup directory, restored into the copy when Y's database cannot serve as a template. */
  backupDir?: string;
  jobs: number;
  runId: string;
  signal?: AbortSignal;
  log?: Logger;
  /** Directory holding pg_restore; default: PATH. */
  binDir?: string;
}

export interface ScratchCopy {
  name: string;
  /** Y's URL with the scratch database's name: holds the password, never show it. */
  url: string;
  /** `template`: CREATE DATABASE … TEMPLATE (nobody was connected to Y's database); `restore`: from the backup. */
  method: 'template' | 'restore';
  copyMs: number;
  /** Drops the copy (forcing its sessions off) and ends the session that marked it live. Never throws. */
  drop(): Promise<{ dropped: boolean; error?: string }>;
}

/** The server's maintenance database: CREATE/DROP DATABASE cannot run inside the databases they touch. */
export function databaseUrlOn(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.delete('dbname');
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const LOCK = 'hashtextextended($1, 0)';
/**
 * SQLSTATEs that send the copy to the backup instead: 55006, the template database is being accessed
 * by other users; 42501, only its owner or a superuser may use a non-template database as a template.
 */
const TEMPLATE_REFUSED = new Set(['55006', '42501']);

/**
 * Copies Y's restored database to a scratch database on the same server. A session on the server's
 * maintenance database holds an advisory lock named after the copy until `drop()`, so the reconciler
 * can tell a live copy from an orphan (a worker killed mid-rehearsal drops that session, and the lock).
 */
export async function createScratchCopy(options: ScratchCopyOptions): Promise<ScratchCopy> {
  const { name, log } = options;
  const masked = maskUrl(options.databaseUrl);
  const source = pgToolConnection(options.databaseUrl).database;
  const admin = new pg.Client({
    connectionString: databaseUrlOn(options.databaseUrl, 'postgres'),
    application_name: 'kong-upgrade-bot rehearsal',
    connectionTimeoutMillis: 10_000,
  });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch (error) {
    throw classifyPgClientError(error, masked, "connect to the server of Y's database to copy it");
  }
  const started = Date.now();
  let created = false;
  let locked = false;
  const drop = async (): Promise<{ dropped: boolean; error?: string }> => {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
      return { dropped: true };
    } catch (error) {
      // The admin session may be the thing that broke: one more try on a fresh one.
      return dropScratchDatabase(options.databaseUrl, name).then(
        () => ({ dropped: true }),
        (again: unknown) => ({ dropped: false, error: asAppError(again ?? error).message }),
      );
    } finally {
      await admin.end().catch(() => undefined);
    }
  };
  try {
    const lock = await admin.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK}) AS ok`, [
      rehearsalLockKey(name),
    ]);
    if (lock.rows[0]?.ok !== true) {
      throw new AppError(
        'E_REHEARSAL_FAILED',
        `Another copy of this run's migration rehearsal is running (scratch database ${name}); this one waits for it to end.`,
        { retryable: true, details: { database: name } },
      );
    }
    locked = true;
    // A copy left by a killed attempt of this run.
    await admin.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
    const method = await copy(admin, source, options);
    created = true;
    log?.info({ database: name, method, ms: Date.now() - started }, 'rehearsal copy ready');
    return {
      name,
      url: databaseUrlOn(options.databaseUrl, name),
      method,
      copyMs: Date.now() - started,
      drop,
    };
  } catch (caught) {
    const error = asCopyError(caught, name, masked);
    log?.warn({ database: name, created, err: error.message }, 'rehearsal copy failed');
    // Without the lock the copy belongs to a live attempt: leave it alone.
    if (locked) await drop();
    else await admin.end().catch(() => undefined);
    throw error;
  }
}

async function copy(
  admin: pg.Client,
  source: string,
  options: ScratchCopyOptions,
): Promise<'template' | 'restore'> {
  const { name } = options;
  const others = await admin.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
    [source],
  );
  if ((others.rows[0]?.n ?? 1) === 0) {
    try {
      await admin.query(`CREATE DATABASE ${quote(name)} TEMPLATE ${quote(source)}`);
      return 'template';
    } catch (error) {
      // Someone connected in between, or the user may not copy it: fall back to the backup.
      if (!TEMPLATE_REFUSED.has((error as { code?: string }).code ?? '')) throw error;
    }
  }
  if (!options.backupDir) {
    throw new AppError(
      'E_REHEARSAL_FAILED',
      `Y's database ${source} is in use, so it cannot be copied as a template, and the run has no backup to restore the copy from.`,
      { details: { database: name } },
    );
  }
  await admin.query(`CREATE DATABASE ${quote(name)}`);
  await runPgRestore({
    databaseUrl: databaseUrlOn(options.databaseUrl, name),
    dir: options.backupDir,
    jobs: options.jobs,
    runId: options.runId,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.binDir ? { binDir: options.binDir } : {}),
  });
  return 'restore';
}

/** PostgreSQL's own errors (no AppError yet) in plain words; 42501 (no CREATEDB) is permanent. */
function asCopyError(error: unknown, name: string, masked: string): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  const denied = code === '42501';
  return new AppError(
    'E_REHEARSAL_FAILED',
    `Could not make the rehearsal's scratch copy ${name} on the server of ${masked}: ${text}.${denied ? ' The rehearsal needs a database user that may create databases there (CREATEDB).' : ''} Y's database was not touched.`,
    {
      cause: error,
      retryable: !denied,
      details: {
        database: name,
        pgCode: typeof code === 'string' ? code : undefined,
        remedy: denied
          ? "Grant CREATEDB to the user in clusterY.databaseUrl (the copy is created and dropped on Y's server), or remove deploy.rehearsal; then start a new run."
          : 'Check the database server of Y, then start a new run.',
      },
    },
  );
}

/** Drops a scratch database on the server of `databaseUrl`, forcing its sessions off. */
export async function dropScratchDatabase(databaseUrl: string, name: string): Promise<void> {
  const client = new pg.Client({
    connectionString: databaseUrlOn(databaseUrl, 'postgres'),
    application_name: 'kong-upgrade-bot rehearsal',
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
