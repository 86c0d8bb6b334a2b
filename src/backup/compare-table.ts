import {
  boundariesSql,
  formatKey,
  type KeyRange,
  rangeChecksumSql,
  rowHashesSql,
  type TableShape,
} from './chunk-sql.js';
import type { TableDifference } from './consistency-report.js';
import type { SnapshotPool } from './snapshot-pool.js';

export interface CompareContext {
  x: SnapshotPool;
  y: SnapshotPool;
  /** Compare text keys in "C" order because X and Y sort text differently. */
  collateC: boolean;
  chunkRows: number;
  /** A differing range with at most this many rows per side is compared row by row. */
  rowLevelRows: number;
  maxDifferences: number;
  /** Shared limit on concurrently compared ranges (each holds one connection per side). */
  limit: <T>(task: () => Promise<T>) => Promise<T>;
}

export interface TableComparison {
  xRows: number;
  yRows: number;
  differences: TableDifference[];
  differenceCount: number;
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

/** Splits a range at the given keys: (after, b1], (b1, b2], …, (bn, upTo]. */
function split(range: KeyRange, bounds: string[][]): KeyRange[] {
  const out: KeyRange[] = [];
  let after = range.after;
  for (const b of bounds) {
    out.push({ ...(after ? { after } : {}), upTo: b });
    after = b;
  }
  out.push({ ...(after ? { after } : {}), ...(range.upTo ? { upTo: range.upTo } : {}) });
  return out;
}

/** Whole table with one checksum per side: for tables without a primary key. */
export async function compareWholeTable(ctx: CompareContext, shape: TableShape): Promise<TableComparison> {
  const [cx, cy] = await ctx.limit(() =>
    Promise.all([checksum(ctx.x, shape, {}, false), checksum(ctx.y, shape, {}, false)]),
  );
  return { xRows: cx.n, yRows: cy.n, differences: [], differenceCount: sameChecksum(cx, cy) ? 0 : 1 };
}

/**
 * Compares a keyed table in primary-key ranges of about `chunkRows` rows (cut on X), checksummed
 * on both sides in parallel. Only differing ranges are narrowed down, to rows at the end, so the
 * keys that differ can be named without ever holding a whole table in memory.
 */
export async function compareKeyedTable(ctx: CompareContext, shape: TableShape): Promise<TableComparison> {
  const found: TableDifference[] = [];
  let differenceCount = 0;
  let xRows = 0;
  let yRows = 0;
  const record = (d: TableDifference): void => {
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

  const drill = async (range: KeyRange, nx: number, ny: number, depth: number): Promise<void> => {
    const most = Math.max(nx, ny);
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

  const top = await ctx.limit(() => boundaries(ctx.x, shape, {}, ctx.collateC, ctx.chunkRows));
  await Promise.all(
    split({}, top).map((range) =>
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
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { xRows, yRows, differences: found, differenceCount };
}
