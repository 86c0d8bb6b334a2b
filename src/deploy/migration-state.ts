import pg from 'pg';

/** What Kong's schema_meta says about a database (the facts behind `kong migrations list`). */
export interface MigrationState {
  /** False when the database has no schema_meta (`kong migrations bootstrap` never ran). */
  bootstrapped: boolean;
  /** Executed migrations as `subsystem:name`. */
  executed: string[];
  /** Migrations `up` ran whose `finish` (teardown) is still due, as `subsystem:name`. */
  pending: string[];
}

export interface TableSize {
  table: string;
  /** PostgreSQL's estimate after ANALYZE (exact for small tables). */
  rows: number;
  bytes: number;
}

async function withClient<T>(databaseUrl: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: 'kong-upgrade-bot rehearsal',
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function readMigrationState(databaseUrl: string): Promise<MigrationState> {
  return withClient(databaseUrl, async (client) => {
    const table = await client.query<{ t: string | null }>("SELECT to_regclass('schema_meta')::text AS t");
    if (!table.rows[0]?.t) return { bootstrapped: false, executed: [], pending: [] };
    const rows = await client.query<{
      subsystem: string;
      executed: string[] | null;
      pending: string[] | null;
    }>("SELECT subsystem, executed, pending FROM schema_meta WHERE key = 'schema_meta' ORDER BY subsystem");
    const names = (pick: 'executed' | 'pending') =>
      rows.rows.flatMap((r) => (r[pick] ?? []).map((n) => `${r.subsystem}:${n}`));
    return { bootstrapped: true, executed: names('executed'), pending: names('pending') };
  });
}

/** The tables with the most rows (then the most bytes), after refreshing the planner's estimates. */
export function largestTables(databaseUrl: string, limit = 5): Promise<TableSize[]> {
  return withClient(databaseUrl, async (client) => {
    await client.query('ANALYZE');
    const res = await client.query<{ table: string; rows: string; bytes: string }>(
      `SELECT c.relname AS table, greatest(c.reltuples, 0)::bigint AS rows, pg_total_relation_size(c.oid) AS bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_toast%'
        ORDER BY c.reltuples DESC, pg_total_relation_size(c.oid) DESC, c.relname
        LIMIT $1`,
      [limit],
    );
    return res.rows.map((r) => ({ table: r.table, rows: Number(r.rows), bytes: Number(r.bytes) }));
  });
}
