import type pg from 'pg';

export interface ColumnInfo {
  name: string;
  type: string;
  collatable: boolean;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
}

/** Tables of one schema with their columns (in order) and primary key, read from the catalog. */
export async function describeTables(client: pg.ClientBase, schema: string): Promise<Map<string, TableInfo>> {
  const cols = await client.query<{ table: string; name: string; type: string; collatable: boolean }>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attcollation <> 0 AS collatable
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
     ORDER BY c.relname, a.attnum`,
    [schema],
  );
  const keys = await client.query<{ table: string; name: string }>(
    `SELECT c.relname AS table, a.attname AS name
     FROM pg_index i
     JOIN pg_class c ON c.oid = i.indrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
     WHERE n.nspname = $1 AND i.indisprimary
     ORDER BY c.relname, k.ord`,
    [schema],
  );
  const tables = new Map<string, TableInfo>();
  for (const row of cols.rows) {
    let table = tables.get(row.table);
    if (table === undefined) {
      table = { name: row.table, columns: [], primaryKey: [] };
      tables.set(row.table, table);
    }
    table.columns.push({ name: row.name, type: row.type, collatable: row.collatable });
  }
  for (const row of keys.rows) tables.get(row.table)?.primaryKey.push(row.name);
  return tables;
}
