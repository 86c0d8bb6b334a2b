import type pg from 'pg';

/**
 * Runs `load` with the tables' keys, indexes and row triggers out of the way, then puts them back
 * exactly as they were (same names and definitions, from the catalog). Building an index once over
 * sorted data is many times faster than maintaining it row by row for a million random UUIDs, and
 * re-adding the foreign keys re-validates every row. Must run inside a transaction.
 */
export async function withIndexesDeferred<T>(
  client: pg.Client,
  tables: string[],
  load: () => Promise<T>,
): Promise<T> {
  const constraints = await client.query<{ rel: string; conname: string; def: string; contype: string }>(
    `SELECT c.conrelid::regclass::text AS rel, c.conname, pg_get_constraintdef(c.oid) AS def, c.contype
     FROM pg_constraint c
     WHERE c.contype IN ('p', 'u', 'f')
       AND (c.conrelid = ANY($1::regclass[]) OR (c.contype = 'f' AND c.confrelid = ANY($1::regclass[])))`,
    [tables],
  );
  const indexes = await client.query<{ indexname: string; indexdef: string }>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
     WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.conrelid = (i.schemaname || '.' || i.tablename)::regclass)`,
    [tables],
  );
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
  // Foreign keys first (they depend on the keys), then keys; re-adding goes the other way.
  const ordered = [...constraints.rows].sort(
    (a, b) => (a.contype === 'f' ? 0 : 1) - (b.contype === 'f' ? 0 : 1),
  );
  for (const c of ordered) await client.query(`ALTER TABLE ${c.rel} DROP CONSTRAINT ${quote(c.conname)}`);
  for (const i of indexes.rows) await client.query(`DROP INDEX ${quote(i.indexname)}`);
  for (const t of tables) await client.query(`ALTER TABLE ${t} DISABLE TRIGGER USER`);

  const result = await load();

  for (const t of tables) await client.query(`ALTER TABLE ${t} ENABLE TRIGGER USER`);
  for (const c of [...ordered].reverse()) {
    await client.query(`ALTER TABLE ${c.rel} ADD CONSTRAINT ${quote(c.conname)} ${c.def}`);
  }
  for (const i of indexes.rows) await client.query(i.indexdef);
  return result;
}
