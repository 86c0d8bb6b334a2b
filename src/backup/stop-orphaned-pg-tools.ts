import pg from 'pg';
import type { Logger } from 'pino';
import { maskUrl } from '../mask-url.js';
import { sleep } from '../sleep.js';
import { classifyPgClientError } from './classify-pg-client-error.js';
import { readRestoreMarker } from './restore-marker.js';

/** The application names runPgDump / runPgRestore give their sessions (PGAPPNAME). */
export const PG_DUMP_APP_NAME = 'kong-upgrade-bot backup';
export const PG_RESTORE_APP_NAME = 'kong-upgrade-bot restore';

/**
 * Ends the sessions a pg_dump/pg_restore left behind on a database. pg tools run in their own
 * process group, so when a worker is killed (-9) they can outlive it and keep writing into the
 * same backup directory or database that the retried job is about to clean; ending their sessions
 * makes them exit. Only called by a retry, which BullMQ gives the job after the old worker lost
 * its lock, so the sessions are not anybody's live work. Returns how many sessions were ended.
 */
export async function stopOrphanedPgTools(options: {
  databaseUrl: string;
  applicationName: string;
  log?: Logger;
  /** How long to wait for the sessions to disappear. */
  waitMs?: number;
}): Promise<number> {
  const masked = maskUrl(options.databaseUrl);
  const client = new pg.Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
    } catch (error) {
      throw classifyPgClientError(error, masked, 'check for an interrupted pg tool');
    }
    const sql = `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`;
    const found = await client.query<{ pid: number }>(sql, [options.applicationName]);
    if (found.rows.length === 0) return 0;
    options.log?.warn(
      { database: masked, sessions: found.rows.length, applicationName: options.applicationName },
      'ending sessions of an interrupted pg tool before retrying',
    );
    await client.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [
      found.rows.map((r) => r.pid),
    ]);
    const deadline = Date.now() + (options.waitMs ?? 5000);
    while (Date.now() < deadline) {
      const left = await client.query(sql, [options.applicationName]);
      if (left.rows.length === 0) break;
      await sleep(100);
    }
    return found.rows.length;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * True when `runId` claimed the database for a restore that never finished (its marker has no
 * finished time): the only case in which a pg_restore of this run can still be around.
 */
export async function hasUnfinishedRestore(databaseUrl: string, runId: string): Promise<boolean> {
  const masked = maskUrl(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
    } catch (error) {
      throw classifyPgClientError(error, masked, "connect to Y's database");
    }
    const marker = await readRestoreMarker(client);
    return marker !== null && marker.runId === runId && marker.finishedAt === null;
  } finally {
    await client.end().catch(() => undefined);
  }
}
