import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { applicationName } from './application-name.js';
import { ensureDatabase } from './ensure-database.js';
import { toStoreError } from './to-store-error.js';

export interface MigrateOptions {
  databaseUrl: string;
  log?: Logger;
  /** Folder of `<13-digit timestamp>_<name>.sql` files; defaults to src/store/migrations. */
  migrationsDir?: string;
  /** How long to wait for another process's migration to finish (default 60 s). */
  lockTimeoutMs?: number;
}

/** Our own advisory lock key (node-pg-migrate's own lock is try-once, which makes a second process fail). */
const MIGRATION_LOCK_KEY = 4_711_020_251_126n;
const MIGRATIONS_TABLE = 'schema_migrations';

/**
 * Creates the database if needed, then applies pending migrations under a blocking advisory lock,
 * one transaction per file. A second process waits for the first and then finds nothing to do.
 */
export async function migrate(options: MigrateOptions): Promise<{ applied: string[] }> {
  const { databaseUrl, log } = options;
  const dir = options.migrationsDir ?? defaultMigrationsDir();
  // Checked before anything is created: node-pg-migrate would only say that "a migration failed".
  if (!existsSync(dir)) {
    throw new AppError(
      'E_STORE_UNAVAILABLE',
      `The database migrations folder ${dir} does not exist. Run the bot from its repository or image (npm start), or keep src/store/migrations next to the compiled dist/ folder.`,
      { retryable: false, details: { dir } },
    );
  }
  await ensureDatabase(databaseUrl, log);
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: applicationName('migrations'),
    connectionTimeoutMillis: 5_000,
  });
  // A connection dropped by the server surfaces as the failing query's error, not a crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw toStoreError(error, databaseUrl, 'connect');
  }
  try {
    await lock(client, databaseUrl, options.lockTimeoutMs ?? 60_000);
    try {
      const ran = await runner({
        dbClient: client,
        dir,
        direction: 'up',
        migrationsTable: MIGRATIONS_TABLE,
        noLock: true,
        checkOrder: true,
        logger: migrationLogger(log),
      });
      const applied = ran.map((m) => m.name);
      if (applied.length > 0) log?.info({ applied }, 'database migrations applied');
      return { applied };
    } catch (error) {
      // A failed file leaves its transaction open on our client; close it before unlocking.
      await client.query('ROLLBACK').catch(() => undefined);
      if (error instanceof AppError) throw error;
      throw new AppError(
        'E_STORE_UNAVAILABLE',
        'A database migration failed; nothing from the failing file was applied. See the logs, fix the cause and start again.',
        { retryable: false, cause: error },
      );
    } finally {
      await client
        .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()])
        .catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function lock(client: pg.Client, databaseUrl: string, timeoutMs: number): Promise<void> {
  try {
    await client.query(`SET lock_timeout = ${Math.max(1, Math.trunc(timeoutMs))}`);
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await client.query('SET lock_timeout = 0');
  } catch (error) {
    if (error instanceof pg.DatabaseError && error.code === '55P03') {
      throw new AppError(
        'E_STORE_UNAVAILABLE',
        'Another process has been migrating the database for too long. Check for a stuck `npm run migrate` or start-up, then retry.',
        { retryable: true, cause: error },
      );
    }
    throw toStoreError(error, databaseUrl, 'query');
  }
}

/**
 * Next to this file when run from source (tsx); tsc does not copy .sql files, so compiled code in
 * dist/src/store/ falls back to the source folder of the package.
 */
function defaultMigrationsDir(): string {
  const candidates = ['./migrations/', '../../../src/store/migrations/'].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  return candidates.find((dir) => existsSync(dir)) ?? (candidates[0] as string);
}

/** node-pg-migrate logs to console by default; route it to pino, or to nowhere. */
function migrationLogger(log: Logger | undefined) {
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) => log?.[level](message);
  return { debug: write('debug'), info: write('debug'), warn: write('warn'), error: write('error') };
}
