import type pg from 'pg';
import type { EntityDef, Row } from './entity-catalog.js';
import { isUuid } from './pagination.js';

export interface PageQuery {
  afterId: string | null;
  size: number;
  /** Restrict to children of a parent row (nested collections). */
  parent?: { column: string; id: string };
  tags?: { values: string[]; any: boolean };
  /** Enterprise: only this workspace's rows. */
  wsId?: string;
}

/** Tables without a ws_id column (Kong's ca_certificates is global). */
const GLOBAL_TABLES = new Set(['ca_certificates']);
const wsFilter = (def: EntityDef, wsId: string | undefined) =>
  wsId !== undefined && !GLOBAL_TABLES.has(def.table);

/** One page ordered by primary key, fetching size+1 rows to learn whether there is a next page, as Kong does. */
export async function pageRows(
  pool: pg.Pool,
  def: EntityDef,
  q: PageQuery,
): Promise<{ rows: Row[]; more: boolean }> {
  const params: unknown[] = [q.afterId, q.size + 1];
  let where = '($1::uuid IS NULL OR id > $1::uuid)';
  if (q.parent) {
    params.push(q.parent.id);
    where += ` AND ${q.parent.column} = $${params.length}::uuid`;
  }
  if (q.tags) {
    params.push(q.tags.values);
    where += ` AND tags ${q.tags.any ? '&&' : '@>'} $${params.length}::text[]`;
  }
  if (wsFilter(def, q.wsId)) {
    params.push(q.wsId);
    where += ` AND ws_id = $${params.length}::uuid`;
  }
  const res = await pool.query<Row>(`SELECT * FROM ${def.table} WHERE ${where} ORDER BY id LIMIT $2`, params);
  const more = res.rows.length > q.size;
  return { rows: more ? res.rows.slice(0, q.size) : res.rows, more };
}

/** `/collection/{key}`: by id when the key is a UUID, else by the entity's endpoint key. */
export async function findRow(
  pool: pg.Pool,
  def: EntityDef,
  key: string,
  wsId?: string,
): Promise<Row | undefined> {
  const column = isUuid(key) ? 'id' : def.endpointKey;
  if (!column) return undefined;
  const cast = column === 'id' ? '::uuid' : '';
  const ws = wsFilter(def, wsId);
  const res = await pool.query<Row>(
    `SELECT * FROM ${def.table} WHERE ${column} = $1${cast}${ws ? ' AND ws_id = $2::uuid' : ''} LIMIT 1`,
    ws ? [key, wsId] : [key],
  );
  return res.rows[0];
}

/** Updates the given columns of one row and returns it (updated_at set when the table has it). */
export async function updateRow(
  pool: pg.Pool,
  table: string,
  id: string,
  columns: Record<string, unknown>,
): Promise<Row | undefined> {
  const names = Object.keys(columns);
  const sets = names.map((n, i) => `"${n}" = $${i + 2}`);
  const hasUpdatedAt = await pool.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'updated_at'`,
    [table],
  );
  if (hasUpdatedAt.rowCount) sets.push(`updated_at = CURRENT_TIMESTAMP(${table === 'targets' ? 3 : 0})`);
  if (sets.length === 0) return (await pool.query<Row>(`SELECT * FROM ${table} WHERE id = $1`, [id])).rows[0];
  const res = await pool.query<Row>(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, [
    id,
    ...names.map((n) => columns[n]),
  ]);
  return res.rows[0];
}

/** node-postgres error code, e.g. "23505" for a unique violation. */
export const pgCode = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
