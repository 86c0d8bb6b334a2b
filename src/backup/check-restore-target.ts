import pg from 'pg';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { classifyPgClientError } from './classify-pg-client-error.js';
import { readRestoreMarker } from './restore-marker.js';

export type RestoreTarget =
  | { status: 'empty' }
  /** This run restored into the database before (perhaps interrupted): clean it and restore again. */
  | { status: 'rerun'; tables: number };

const KONG_TABLES = ['schema_meta', 'services', 'routes', 'consumers', 'plugins'];

/**
 * Decides whether a restore may write into a database. Refuses (and changes nothing) when the
 * public schema holds tables that this run did not restore.
 */
export async function inspectRestoreTarget(
  client: pg.ClientBase,
  runId: string,
  maskedUrl: string,
): Promise<RestoreTarget> {
  const res = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
  );
  const names = res.rows.map((r) => r.name);
  const marker = await readRestoreMarker(client);
  if (marker?.runId === runId) return { status: 'rerun', tables: names.length };
  if (names.length === 0) return { status: 'empty' };
  const kong = names.filter((n) => KONG_TABLES.includes(n));
  const what =
    kong.length > 0
      ? `already holds a Kong schema (${names.length} tables)`
      : `is not empty (${names.length} tables in its public schema)`;
  const restoredBy = marker === null ? '' : ` It was restored by run ${marker.runId}, not this one.`;
  throw new AppError(
    'E_RESTORE_TARGET_NOT_EMPTY',
    `Y's database ${maskedUrl} ${what}.${restoredBy} Point clusterY.databaseUrl at an empty database, or drop its tables if they are disposable, then retry.`,
    {
      details: {
        database: maskedUrl,
        tables: names.length,
        kongTables: kong,
        markerRunId: marker?.runId ?? null,
      },
    },
  );
}

/** Standalone form of inspectRestoreTarget (opens and closes its own connection). */
export async function checkRestoreTarget(databaseUrl: string, runId: string): Promise<RestoreTarget> {
  const masked = maskUrl(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await inspectRestoreTarget(client, runId, masked);
  } catch (error) {
    throw classifyPgClientError(error, masked, "inspect Y's database");
  } finally {
    await client.end().catch(() => undefined);
  }
}
