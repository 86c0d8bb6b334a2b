import {
  boundariesSql,
  bucketChecksumsSql,
  formatKey,
  type KeyRange,
  qualified,
  rangeChecksumSql,
  rowHashesSql,
  sampleKeysSql,
  type TableShape,
} from './chunk-sql.js';
import type { TableDifference } from './consistency-report.js';
import type { SnapshotPool } from './snapshot-pool.js';

export interface CompareContext {
  x: SnapshotPool;
  y: SnapshotPool;
  /** Compare text keys in "C" order (bytewise), whatever each database's collation. */
  collateC: boolean;
  /** The schema of the compared tables (Kong's pg_schema). */
  schema: string;
  /** TTL'd tables are compared over the rows not expired at this instant (ISO 8601). */
  liveAt: string;
  chunkRows: number;
  /** A differing range with at most this many rows per side is compared row by row. */
  rowLevelRows: number;
  maxDifferences: number;
  /**
   * content: a changed row is a difference. keys: only a key missing or extra on one side is; a
   * changed row is counted (and its key sampled) as information, e.g. rows Y's migrations rewrote.
   */
  compare: 'content' | 'keys';
  /** Shared limit on concurrently compared ranges (each holds one connection per side). */
  limit: <T>(task: () => Promise<T>) => Promise<T>;
}

export interface TableComparison {
  xRows: number;
  yRows: number;
  differences: TableDifference[];
  differenceCount: number;
  /** Keys comparison: rows on both sides whose content differs, and the first of their keys. */
  changedCount: number;
  changedKeys: string[];
}

interface Checksum {
  n: number;
  s: string;
}

const sameChecksum = (a: Checksum, b: Checksum): boolean => a.n === b.n && a.s === b.s;

async function checksum(
  pool: SnapshotPool,
  shape: TableShape,
  range: KeyRange,
  collateC: boolean,
): Promise<Checksum> {
  const q = rangeChecksumSql(shape, range, collateC);
  const res = await pool.run((c) => c.query<{ n: string; s: string }>(q.sql, q.params));
  const row = res.rows[0];
  return { n: Number(row?.n ?? 0), s: row?.s ?? '0' };
}

async function boundaries(
  pool: SnapshotPool,
  shape: TableShape,
  range: KeyRange,
  collateC: boolean,
  step: number,
): Promise<string[][]> {
  const q = boundariesSql(shape, range, collateC, step);
  const res = await pool.run((c) => c.query<string[]>({ text: q.sql, values: q.params, rowMode: 'array' }));
  return res.rows;
}

/** Splits a range at the given keys: [from, b1), [b1, b2), …, [bn, before). */
function split(range: KeyRange, bounds: string[][]): KeyRange[] {
  const out: KeyRange[] = [];
  let from = range.from;
  for (const b of bounds) {
    out.push({ ...(from ? { from } : {}), before: b });
    from = b;
  }
  out.push({ ...(from ? { from } : {}), ...(range.before ? { before: range.before } : {}) });
  return out;
}

/**
 * Range bounds for the whole table from a small random sample of X's keys (about 40 per range),
 * so cutting a table costs one sampled scan rather than a walk through its index.
 */
async function sampledBoundaries(ctx: CompareContext, shape: TableShape): Promise<string[][]> {
  const counted = await ctx.x.run((c) =>
    c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ONLY ${qualified(shape)}`),
  );
  const rows = Number(counted.rows[0]?.n ?? 0);
  const ranges = Math.ceil(rows / ctx.chunkRows);
  if (ranges <= 1) return [];
  const percent = Math.min(100, (100 * ranges * 40) / rows);
  const q = sampleKeysSql(shape, ctx.collateC, percent);
  const sample = await ctx.x.run((c) =>
    c.query<string[]>({ text: q.sql, values: q.params, rowMode: 'array' }),
  );
  const picked: string[][] = [];
  for (let i = 1; i < ranges; i++) {
    const key = sample.rows[Math.floor((i * sample.rows.length) / ranges)];
    if (key !== undefined && JSON.stringify(key) !== JSON.stringify(picked.at(-1))) picked.push(key);
  }
  return picked;
}

/** count + hash sum for every range in one scan per side (single-column keys only). */
async function bucketChecksums(pool: SnapshotPool, shape: TableShape, collateC: boolean, bounds: string[][]) {
  const sql = bucketChecksumsSql(shape, collateC);
  const res = await pool.run((c) =>
    c.query<{ b: number; n: string; s: string }>(sql, [bounds.map((b) => b[0] ?? '')]),
  );
  const out = new Map<number, Checksum>();
  for (const row of res.rows) out.set(Number(row.b), { n: Number(row.n), s: row.s });
  return out;
}

/** Whole table with one checksum per side: for tables without a primary key. */
export async function compareWholeTable(ctx: CompareContext, shape: TableShape): Promise<TableComparison> {
  const [cx, cy] = await ctx.limit(() =>
    Promise.all([checksum(ctx.x, shape, {}, false), checksum(ctx.y, shape, {}, false)]),
  );
  const same = sameChecksum(cx, cy);
  // Without a key, the keys comparison can only hold the row counts against each other.
  if (ctx.compare === 'keys') {
    return {
      xRows: cx.n,
      yRows: cy.n,
      differences: [],
      differenceCount: cx.n === cy.n ? 0 : 1,
      changedCount: same ? 0 : 1,
      changedKeys: [],
    };
  }
  return {
    xRows: cx.n,
    yRows: cy.n,
    differences: [],
    differenceCount: same ? 0 : 1,
    changedCount: 0,
    changedKeys: [],
  };
}

/**
 * Compares a keyed table in primary-key ranges of about `chunkRows` rows (cut on X), checksummed
 * on both sides in parallel. Only differing ranges are narrowed down, to rows at the end, so the
 * keys that differ can be named without ever holding a whole table in memory. Both comparisons
 * hash whole rows the same way; they differ only in how a differing row is judged (see `compare`),
 * which is what lets the keys comparison still count and name the rows whose content changed.
 */
/** Differing ranges narrowed down per table before the rest is only counted. */
const MAX_PROBES_PER_TABLE = 5_000;

export async function compareKeyedTable(ctx: CompareContext, shape: TableShape): Promise<TableComparison> {
  const found: TableDifference[] = [];
  const changedKeys: string[] = [];
  let differenceCount = 0;
  let changedCount = 0;
  let xRows = 0;
  let yRows = 0;
  const record = (d: TableDifference): void => {
    if (ctx.compare === 'keys' && d.kind === 'changed') {
      changedCount++;
      if (changedKeys.length < ctx.maxDifferences) changedKeys.push(d.key);
      return;
    }
    differenceCount++;
    if (found.length < ctx.maxDifferences) found.push(d);
  };

  const rowLevel = async (range: KeyRange): Promise<void> => {
    const q = rowHashesSql(shape, range, ctx.collateC);
    const read = (pool: SnapshotPool) =>
      pool.run((c) => c.query<string[]>({ text: q.sql, values: q.params, rowMode: 'array' }));
    const [rx, ry] = await Promise.all([read(ctx.x), read(ctx.y)]);
    const width = shape.primaryKey.length;
    const yByKey = new Map<string, { key: string[]; hash: string }>();
    for (const row of ry.rows) {
      const key = row.slice(0, width);
      yByKey.set(JSON.stringify(key), { key, hash: row[width] ?? '' });
    }
    for (const row of rx.rows) {
      const key = row.slice(0, width);
      const id = JSON.stringify(key);
      const other = yByKey.get(id);
      if (other === undefined) record({ key: formatKey(shape, key), kind: 'missing_in_y' });
      else if (other.hash !== row[width]) record({ key: formatKey(shape, key), kind: 'changed' });
      yByKey.delete(id);
    }
    for (const { key } of yByKey.values()) record({ key: formatKey(shape, key), kind: 'extra_in_y' });
  };

  // A bound on the narrowing: each differing range costs a few queries, and a table with differences
  // everywhere must end in bounded time (what was not narrowed down is counted, not listed).
  let probes = 0;
  const drill = async (range: KeyRange, nx: number, ny: number, depth: number): Promise<void> => {
    const most = Math.max(nx, ny);
    probes++;
    if (probes > MAX_PROBES_PER_TABLE && most > ctx.rowLevelRows) {
      differenceCount += Math.max(1, Math.abs(nx - ny));
      return;
    }
    if (most <= ctx.rowLevelRows || depth > 12) {
      await rowLevel(range);
      return;
    }
    // Cut on the side holding more rows in this range, so every piece really gets smaller.
    const side = nx >= ny ? ctx.x : ctx.y;
    const bounds = await boundaries(side, shape, range, ctx.collateC, Math.ceil(most / 8));
    for (const piece of split(range, bounds)) {
      const [cx, cy] = await Promise.all([
        checksum(ctx.x, shape, piece, ctx.collateC),
        checksum(ctx.y, shape, piece, ctx.collateC),
      ]);
      if (!sameChecksum(cx, cy)) await drill(piece, cx.n, cy.n, depth + 1);
    }
  };

  const top = await ctx.limit(() => sampledBoundaries(ctx, shape));
  const ranges = split({}, top);
  if (shape.primaryKey.length === 1) {
    // One scan per side yields every range's checksum; only differing ranges are read again.
    const [bx, by] = await ctx.limit(() =>
      Promise.all([
        bucketChecksums(ctx.x, shape, ctx.collateC, top),
        bucketChecksums(ctx.y, shape, ctx.collateC, top),
      ]),
    );
    const zero: Checksum = { n: 0, s: '0' };
    await Promise.all(
      ranges.map((range, i) => {
        const cx = bx.get(i) ?? zero;
        const cy = by.get(i) ?? zero;
        xRows += cx.n;
        yRows += cy.n;
        return sameChecksum(cx, cy) ? undefined : ctx.limit(() => drill(range, cx.n, cy.n, 0));
      }),
    );
  } else {
    await Promise.all(
      ranges.map((range) =>
        ctx.limit(async () => {
          const [cx, cy] = await Promise.all([
            checksum(ctx.x, shape, range, ctx.collateC),
            checksum(ctx.y, shape, range, ctx.collateC),
          ]);
          xRows += cx.n;
          yRows += cy.n;
          if (!sameChecksum(cx, cy)) await drill(range, cx.n, cy.n, 0);
        }),
      ),
    );
  }
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  changedKeys.sort();
  return { xRows, yRows, differences: found, differenceCount, changedCount, changedKeys };
}
