import pg from 'pg';
import { maskUrl } from '../mask-url.js';
import { classifyPgClientError } from './classify-pg-client-error.js';
import { MARKER_SCHEMA } from './restore-marker.js';

export interface DumpSnapshot {
  /** Id for `pg_dump --snapshot=`; valid while this snapshot stays open. */
  snapshotId: string;
  /** Schema-qualified names of the tables whose data pg_dump will write. */
  tables: string[];
  /** Exact `count(*)` of every table, as of the snapshot. */
  countRows(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const LIST_TABLES_SQL = `
  SELECT n.nspname AS schema, c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', $1)
    AND n.nspname NOT LIKE 'pg\\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  ORDER BY 1, 2`;

/**
 * Opens a REPEATABLE READ transaction and exports its snapshot. pg_dump is started with that
 * snapshot, and row counts are taken inside the same transaction, so both see the same data.
 */
export async function openDumpSnapshot(databaseUrl: string): Promise<DumpSnapshot> {
  const masked = maskUrl(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {
    // Surfaced by the next query instead.
  });
  try {
    await client.connect();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snap = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    const listed = await client.query<{ schema: string; name: string }>(LIST_TABLES_SQL, [MARKER_SCHEMA]);
    const tables = listed.rows.map((r) => `${r.schema}.${r.name}`);
    const snapshotId = snap.rows[0]?.id ?? '';
    return {
      snapshotId,
      tables,
      async countRows() {
        const counts: Record<string, number> = {};
        for (const r of listed.rows) {
          const ident = `${client.escapeIdentifier(r.schema)}.${client.escapeIdentifier(r.name)}`;
          const res = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${ident}`);
          counts[`${r.schema}.${r.name}`] = Number(res.rows[0]?.n ?? 0);
        }
        return counts;
      },
      async close() {
        // Ending the session rolls back; no ROLLBACK query, which would queue behind a running count.
        await client.end().catch(() => undefined);
      },
    };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw classifyPgClientError(error, masked, 'open a snapshot of the database');
  }
}
