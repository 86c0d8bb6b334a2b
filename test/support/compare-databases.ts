import pg from 'pg';

export interface TableFingerprint {
  rows: number;
  md5: string;
}

/**
 * Row count and an md5 over every row's text form (rows in a fixed order) per table of the public
 * schema: computed independently of the bot's own consistency check, to judge it.
 */
export async function fingerprintTables(databaseUrl: string): Promise<Record<string, TableFingerprint>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
    );
    const out: Record<string, TableFingerprint> = {};
    for (const { name } of tables.rows) {
      const ident = client.escapeIdentifier(name);
      const res = await client.query<{ rows: number; md5: string }>(
        `SELECT count(*)::int AS rows,
                md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE "C"), '')) AS md5
         FROM public.${ident} t`,
      );
      const row = res.rows[0];
      if (row) out[name] = { rows: row.rows, md5: row.md5 };
    }
    return out;
  } finally {
    await client.end();
  }
}

export async function queryRows<T extends pg.QueryResultRow>(
  databaseUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
