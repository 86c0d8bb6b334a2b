import pg from 'pg';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { toStoreError } from './to-store-error.js';

/**
 * Creates the database named in `databaseUrl` when it does not exist, by connecting to the
 * `postgres` database of the same server, so that a first start just works. Returns whether it
 * created it. Safe when several processes do this at once.
 */
export async function ensureDatabase(databaseUrl: string, log?: Logger): Promise<boolean> {
  const name = databaseName(databaseUrl);
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5_000 });
  // A connection dropped by the server surfaces as the failing query's error, not a crash.
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch (error) {
    throw toStoreError(error, databaseUrl, 'connect');
  }
  try {
    const existing = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount !== 0) return false;
    try {
      await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    } catch (error) {
      // Another process created it between our check and our CREATE: that is fine.
      if (error instanceof pg.DatabaseError && (error.code === '42P04' || error.code === '23505'))
        return false;
      throw error;
    }
    log?.info({ database: maskUrl(databaseUrl) }, 'created the bot database');
    return true;
  } catch (error) {
    throw toStoreError(error, databaseUrl, 'query');
  } finally {
    await admin.end().catch(() => undefined);
  }
}

function databaseName(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch (error) {
    throw new AppError(
      'E_CONFIG_INVALID',
      'DATABASE_URL is not a valid URL, e.g. postgres://user@host:5432/db.',
      {
        cause: error,
      },
    );
  }
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (name === '') {
    throw new AppError(
      'E_CONFIG_INVALID',
      `DATABASE_URL ${maskUrl(databaseUrl)} names no database; add one, e.g. /kong_upgrade.`,
    );
  }
  return name;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
