/**
 * SQL for the consistency check. Everything is computed in PostgreSQL: a row is reduced to a
 * 64-bit hash (`hash_record_extended(ROW(...), 0)`, with columns of types lacking a hash function
 * compared by their text form), a key range to count + sum of those hashes (a sum, unlike xor,
 * also notices duplicated rows). The aggregates do not depend on row order, so no range needs a
 * sort; the ranges themselves are cut in primary-key order.
 */
export interface TableShape {
  schema: string;
  name: string;
  /** Columns compared (present on both sides), in X's order. */
  columns: string[];
  /** Per column: hashed by value (true) or through its text form (false). */
  hashable?: boolean[];
  /** Primary-key columns in key order; empty when the table has none. */
  primaryKey: string[];
  /** Type of each key column as `format_type` prints it, for casting text parameters back. */
  keyTypes: string[];
  /** Whether each key column is collatable (text-like). */
  keyCollatable: boolean[];
  /**
   * Only rows Kong still holds: for TTL'd tables `ttl` after this instant (ISO 8601). Kong expires
   * such rows on its own (a timer, insert triggers), so an expired row on one side is no difference.
   */
  liveAt?: string;
}

/** A half-open range of keys [from, before), bounds as text values, one per key column; undefined = unbounded. */
export interface KeyRange {
  from?: string[];
  before?: string[];
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualified(shape: TableShape): string {
  return `${quoteIdent(shape.schema)}.${quoteIdent(shape.name)}`;
}

/** The rows compared: the table itself, or its rows not yet expired at `liveAt`. */
function source(shape: TableShape): string {
  if (shape.liveAt === undefined) return `ONLY ${qualified(shape)}`;
  const at = new Date(shape.liveAt).toISOString();
  return `(SELECT * FROM ONLY ${qualified(shape)} WHERE ttl IS NULL OR ttl > '${at}'::timestamptz) AS live`;
}

function rowHashExpr(shape: TableShape): string {
  const cols = shape.columns.map((c, i) =>
    shape.hashable?.[i] === false ? `${quoteIdent(c)}::text` : quoteIdent(c),
  );
  // ROW() of one column would hash like the bare value; fine, both sides do the same.
  return `hash_record_extended(ROW(${cols.join(', ')}), 0)`;
}

/** Key column references, with COLLATE "C" when both sides must agree on text order regardless of locale. */
function keyExprs(shape: TableShape, collateC: boolean): string[] {
  return shape.primaryKey.map((k, i) =>
    collateC && shape.keyCollatable[i] ? `${quoteIdent(k)} COLLATE "C"` : quoteIdent(k),
  );
}

/** WHERE clause for a key range; parameters start at $<first>. */
export function rangeWhere(
  shape: TableShape,
  range: KeyRange,
  collateC: boolean,
  first = 1,
): { sql: string; params: string[] } {
  const keys = keyExprs(shape, collateC);
  const params: string[] = [];
  const parts: string[] = [];
  const bound = (values: string[], op: string): void => {
    const placeholders = values.map(
      (_, i) => `$${first + params.length + i}::${shape.keyTypes[i] ?? 'text'}`,
    );
    params.push(...values);
    const lhs = keys.length === 1 ? (keys[0] ?? '') : `(${keys.join(', ')})`;
    const rhs = placeholders.length === 1 ? (placeholders[0] ?? '') : `(${placeholders.join(', ')})`;
    parts.push(`${lhs} ${op} ${rhs}`);
  };
  if (range.from !== undefined) bound(range.from, '>=');
  if (range.before !== undefined) bound(range.before, '<');
  return { sql: parts.length === 0 ? 'TRUE' : parts.join(' AND '), params };
}

/** count and sum of row hashes over a key range (or the whole table). */
export function rangeChecksumSql(
  shape: TableShape,
  range: KeyRange,
  collateC: boolean,
): { sql: string; params: string[] } {
  const where = rangeWhere(shape, range, collateC);
  return {
    sql: `SELECT count(*)::text AS n, coalesce(sum(h), 0)::text AS s
          FROM (SELECT ${rowHashExpr(shape)} AS h FROM ${source(shape)} WHERE ${where.sql}) q`,
    params: where.params,
  };
}

/** Every `step`-th key of a range in key order: the upper bounds of chunks of `step` rows. */
export function boundariesSql(
  shape: TableShape,
  range: KeyRange,
  collateC: boolean,
  step: number,
): { sql: string; params: string[] } {
  const where = rangeWhere(shape, range, collateC, 2);
  const keys = keyExprs(shape, collateC);
  const texts = shape.primaryKey.map((k, i) => `${quoteIdent(k)}::text AS k${i}`).join(', ');
  return {
    sql: `SELECT ${shape.primaryKey.map((_, i) => `k${i}`).join(', ')} FROM (
            SELECT ${texts}, row_number() OVER (ORDER BY ${keys.join(', ')}) AS rn
            FROM ${source(shape)} WHERE ${where.sql}) q
          WHERE rn % $1::bigint = 0 ORDER BY rn`,
    params: [String(step), ...where.params],
  };
}

/** A random sample (about `percent` % of rows) of keys in key order, to cut a table into ranges cheaply. */
export function sampleKeysSql(
  shape: TableShape,
  collateC: boolean,
  percent: number,
): { sql: string; params: string[] } {
  const keys = keyExprs(shape, collateC);
  const texts = shape.primaryKey.map((k, i) => `${quoteIdent(k)}::text AS k${i}`).join(', ');
  return {
    sql: `SELECT ${texts} FROM ONLY ${qualified(shape)} TABLESAMPLE BERNOULLI ($1::float8) ORDER BY ${keys.join(', ')}`,
    params: [String(percent)],
  };
}

/**
 * One pass over a single-column-key table: count and hash sum per range, the ranges given by
 * sorted thresholds (bucket 0: below the first; bucket i: [t_i, t_i+1)). A sequential scan is far
 * cheaper than one index range scan per chunk when keys (uuids) are scattered over the heap.
 */
export function bucketChecksumsSql(shape: TableShape, collateC: boolean): string {
  const key = keyExprs(shape, collateC)[0] ?? '';
  const type = shape.keyTypes[0] ?? 'text';
  const thresholds =
    collateC && shape.keyCollatable[0] ? `$1::${type}[]::${type}[] COLLATE "C"` : `$1::${type}[]`;
  return `SELECT width_bucket(${key}, ${thresholds}) AS b, count(*)::text AS n, coalesce(sum(${rowHashExpr(shape)}), 0)::text AS s
          FROM ${source(shape)} GROUP BY 1`;
}

/** Key (as text) and row hash of every row in a range: the last step of a drill-down. */
export function rowHashesSql(
  shape: TableShape,
  range: KeyRange,
  collateC: boolean,
): { sql: string; params: string[] } {
  const where = rangeWhere(shape, range, collateC);
  const texts = shape.primaryKey.map((k, i) => `${quoteIdent(k)}::text AS k${i}`).join(', ');
  return {
    sql: `SELECT ${texts}, ${rowHashExpr(shape)}::text AS h FROM ${source(shape)} WHERE ${where.sql}`,
    params: where.params,
  };
}

/** A key as shown to people: the value for one column, `col=value, …` for several. */
export function formatKey(shape: TableShape, values: string[]): string {
  if (values.length === 1) return values[0] ?? '';
  return shape.primaryKey.map((k, i) => `${k}=${values[i] ?? ''}`).join(', ');
}
