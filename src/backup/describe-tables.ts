import type pg from 'pg';

export interface ColumnInfo {
  name: string;
  type: string;
  collatable: boolean;
  /** Has a (stable, value-based) hash function, so it can be hashed without a text conversion. */
  hashable: boolean;
}

// Built-in types (and arrays of them) whose extended hash functions are stable across servers;
// they are what hash partitioning relies on. Anything else is compared through its text form.
const HASHABLE_TYPES = [
  'uuid',
  'text',
  'varchar',
  'bpchar',
  'int2',
  'int4',
  'int8',
  'bool',
  'timestamptz',
  'timestamp',
  'date',
  'numeric',
  'jsonb',
  'bytea',
  'inet',
  'float4',
  'float8',
  'interval',
  'oid',
];

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
}

/** Tables of one schema with their columns (in order) and primary key, read from the catalog. */
export async function describeTables(client: pg.ClientBase, schema: string): Promise<Map<string, TableInfo>> {
  const cols = await client.query<{
    table: string;
    name: string;
    type: string;
    collatable: boolean;
    hashable: boolean;
  }>(
    `SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attcollation <> 0 AS collatable,
            (CASE WHEN t.typcategory = 'A' THEN et.typname ELSE t.typname END) = ANY($2::text[])
              AND t.typnamespace = 'pg_catalog'::regnamespace AS hashable
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_type et ON et.oid = t.typelem
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
     ORDER BY c.relname, a.attnum`,
    [schema, HASHABLE_TYPES],
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
    table.columns.push({
      name: row.name,
      type: row.type,
      collatable: row.collatable,
      hashable: row.hashable === true,
    });
  }
  for (const row of keys.rows) tables.get(row.table)?.primaryKey.push(row.name);
  return tables;
}
