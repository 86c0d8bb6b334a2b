import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { qualified, quoteIdent, type TableShape } from './chunk-sql.js';
import { classifyPgClientError } from './classify-pg-client-error.js';
import {
  type CompareContext,
  compareKeyedTable,
  compareWholeTable,
  type TableComparison,
} from './compare-table.js';
import type { ConsistencyReport, TableConsistency } from './consistency-report.js';
import { createLimiter } from './create-limiter.js';
import { describeTables, type TableInfo } from './describe-tables.js';
import { openSnapshotPool, type SnapshotPool } from './snapshot-pool.js';

export interface CheckConsistencyOptions {
  xUrl: string;
  yUrl: string;
  /** Tables to compare (names without schema); default: every table on either side. */
  tables?: string[];
  /** Kong's schema (its `pg_schema`); default: the schema holding X's `schema_meta`, else `public`. */
  schema?: string;
  /** Tables left out (names without schema); those present are listed in the report's `excluded`. */
  exclude?: readonly string[];
  /**
   * content (default): every column both sides have is compared. keys: primary keys and row counts
   * decide; rows whose content differs are counted and sampled as information (`changedCount`).
   */
  compare?: 'content' | 'keys';
  /** A table on one side only: a difference (default) or information (e.g. new in Y's schema). */
  oneSidedTables?: 'difference' | 'information';
  /** Rows per checksummed key range (default 50,000). */
  chunkRows?: number;
  /** Ranges compared at once; each uses one connection per side (default 2). */
  concurrency?: number;
  /** Differences listed per table (all are counted). */
  maxDifferences?: number;
  /** A differing range with at most this many rows per side is compared row by row (default 2,000). */
  rowLevelRows?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; table?: string }) => void;
  log?: Logger;
  now?: () => Date;
}

/** The schema of X's Kong tables: where `schema_meta` is (first on the search path), else `public`. */
async function kongSchemaOf(x: SnapshotPool): Promise<string> {
  const res = await x.run((c) =>
    c.query<{ schema: string }>(
      `SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relname = 'schema_meta' AND c.relkind IN ('r', 'p')
       ORDER BY array_position(current_schemas(false), n.nspname::text) NULLS LAST, n.nspname LIMIT 1`,
    ),
  );
  return res.rows[0]?.schema ?? 'public';
}

/**
 * Compares X's and Y's databases table by table: row counts and content checksums computed in
 * PostgreSQL over primary-key ranges, each side reading one consistent snapshot, and differing
 * rows named by key. Tables without a primary key get a count and a whole-table checksum. After
 * Y's schema was migrated, `compare: 'keys'` holds only identity and counts against each other.
 */
export async function checkConsistency(options: CheckConsistencyOptions): Promise<ConsistencyReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
  if (options.signal?.aborted) throw stopped();
  const x = await openSide(options.xUrl, concurrency, 'X');
  let y: SnapshotPool | undefined;
  const onAbort = (): void => {
    void x.close();
    void y?.close();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    y = await openSide(options.yUrl, concurrency, 'Y');
    const schema = options.schema ?? (await kongSchemaOf(x));
    const [xTables, yTables] = await Promise.all([
      x.run((c) => describeTables(c, schema)),
      (y as SnapshotPool).run((c) => describeTables(c, schema)),
    ]);
    const excluded = new Set(options.exclude ?? []);
    const candidates = selectTables(options.tables, xTables, yTables);
    const names = candidates.filter((n) => !excluded.has(n));
    const compare = options.compare ?? 'content';
    const oneSidedInfo = options.oneSidedTables === 'information';
    if (names.length === 0) {
      throw new AppError(
        'E_VERIFY_FAILED',
        `No table was compared: neither database has ${options.tables ? 'the requested tables' : 'tables'} in schema "${schema}". Kong's tables may live in another schema (Kong's pg_schema, or the role's search_path); nothing was proven equal.`,
        {
          details: {
            schema,
            remedy: "Check Kong's pg_schema setting and the database URLs in the config file.",
          },
        },
      );
    }
    const ctx: CompareContext = {
      x,
      y,
      // Text keys are always ordered and cut bytewise: the same datcollate name does not promise
      // the same order (ICU, a glibc upgrade), and different orders made every range differ.
      collateC: true,
      schema,
      liveAt: startedAt,
      chunkRows: Math.max(100, Math.floor(options.chunkRows ?? 50_000)),
      rowLevelRows: Math.max(8, Math.floor(options.rowLevelRows ?? 2_000)),
      maxDifferences: options.maxDifferences ?? 20,
      compare,
      limit: createLimiter(concurrency),
    };
    let done = 0;
    const results = await Promise.all(
      names.map(async (name) => {
        const result = await compareOne(ctx, name, xTables.get(name), yTables.get(name), oneSidedInfo);
        done++;
        options.onProgress?.({ done, total: names.length, table: name });
        return result;
      }),
    );
    const tables = results.sort((a, b) => a.table.localeCompare(b.table));
    const report: ConsistencyReport = {
      equal: tables.every((t) => t.equal),
      tables,
      compare,
      excluded: candidates
        .filter((n) => excluded.has(n) && (xTables.has(n) || yTables.has(n)))
        .map((n) => `${schema}.${n}`),
      startedAt,
      finishedAt: now().toISOString(),
    };
    options.log?.info(
      { equal: report.equal, differing: tables.filter((t) => !t.equal).map((t) => t.table) },
      'consistency check finished',
    );
    return report;
  } catch (error) {
    if (options.signal?.aborted) throw stopped();
    if (error instanceof AppError) throw error;
    throw new AppError(
      'E_VERIFY_FAILED',
      `The consistency check failed: ${String(error)}. It can be run again.`,
      {
        cause: error,
        retryable: true,
      },
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all([x.close(), y?.close()]);
  }
}

function stopped(): AppError {
  return new AppError(
    'E_VERIFY_FAILED',
    'The consistency check was stopped before it finished. Run it again.',
    {
      retryable: true,
      details: { aborted: true },
    },
  );
}

async function openSide(url: string, size: number, label: string): Promise<SnapshotPool> {
  try {
    return await openSnapshotPool(url, size);
  } catch (error) {
    throw classifyPgClientError(error, maskUrl(url), `open ${label}'s database for the consistency check`);
  }
}

function selectTables(
  requested: string[] | undefined,
  x: Map<string, TableInfo>,
  y: Map<string, TableInfo>,
): string[] {
  if (requested !== undefined) return [...new Set(requested.map((t) => t.replace(/^[^.]+\./, '')))].sort();
  return [...new Set([...x.keys(), ...y.keys()])].sort();
}

async function compareOne(
  ctx: CompareContext,
  name: string,
  xInfo: TableInfo | undefined,
  yInfo: TableInfo | undefined,
  oneSidedInfo: boolean,
): Promise<TableConsistency> {
  const table = `${ctx.schema}.${name}`;
  if (xInfo === undefined || yInfo === undefined) {
    const present = xInfo ?? yInfo;
    const rows =
      present === undefined
        ? 0
        : (
            await compareWholeTable(
              { ...ctx, ...(xInfo ? { y: ctx.x } : { x: ctx.y }) },
              shapeOf(ctx.schema, present, present, []),
            )
          ).xRows;
    const where = xInfo ? 'Y' : yInfo ? 'X' : 'either database';
    const info = oneSidedInfo && present !== undefined;
    return {
      table,
      xRows: xInfo ? rows : 0,
      yRows: yInfo ? rows : 0,
      equal: info,
      method: 'missing',
      differences: [],
      differenceCount: info ? 0 : rows,
      ignoredColumns: [],
      note: `The table does not exist in ${where}.`,
      ...(info ? { onlyIn: xInfo ? ('x' as const) : ('y' as const) } : {}),
    };
  }
  const yCols = new Set(yInfo.columns.map((c) => c.name));
  const xCols = new Set(xInfo.columns.map((c) => c.name));
  const common = xInfo.columns.filter((c) => yCols.has(c.name));
  const ignoredColumns = [
    ...xInfo.columns.filter((c) => !yCols.has(c.name)).map((c) => `x:${c.name}`),
    ...yInfo.columns.filter((c) => !xCols.has(c.name)).map((c) => `y:${c.name}`),
  ];
  const keyed = xInfo.primaryKey.length > 0 && xInfo.primaryKey.every((k) => yCols.has(k));
  const yByName = new Map(yInfo.columns.map((c) => [c.name, c]));
  const shape = shapeOf(ctx.schema, xInfo, { ...xInfo, columns: common }, keyed ? xInfo.primaryKey : []);
  shape.hashable = common.map((c) => c.hashable && yByName.get(c.name)?.hashable === true);
  // TTL'd tables (key-auth, oauth2 tokens, sessions…): compared over the rows Kong still holds.
  const ttl = common.find((c) => c.name === 'ttl');
  if (ttl && /^timestamp/.test(ttl.type) && /^timestamp/.test(yByName.get('ttl')?.type ?? ''))
    shape.liveAt = ctx.liveAt;
  const result: TableComparison = keyed
    ? await compareKeyedTable(ctx, shape)
    : await compareWholeTable(ctx, shape);
  const equal = result.differenceCount === 0 && result.xRows === result.yRows;
  const changedColumns =
    ctx.compare === 'keys' && keyed && (result.changedKeys?.length ?? 0) > 0
      ? await changedColumnsOf(ctx, shape, result.changedKeys ?? [])
      : undefined;
  return {
    table,
    xRows: result.xRows,
    yRows: result.yRows,
    equal,
    method: keyed ? 'primary-key' : 'whole-table',
    differences: result.differences,
    differenceCount: result.differenceCount,
    ignoredColumns,
    ...(ctx.compare === 'keys' ? { changedCount: result.changedCount, changedKeys: result.changedKeys } : {}),
    ...(changedColumns ? { changedColumns } : {}),
    ...(shape.liveAt ? { liveRowsOnly: true } : {}),
    ...(keyed
      ? {}
      : {
          note:
            ctx.compare === 'keys'
              ? 'The table has no primary key: only its row counts were held against each other.'
              : 'The table has no primary key: only its row count and a whole-table checksum were compared, so differing rows cannot be named.',
        }),
  };
}

/**
 * The columns that differ in the given rows (single-column keys; composite keys are named as
 * `col=value, …` and left out), each side read from its own snapshot, values compared as text.
 */
async function changedColumnsOf(ctx: CompareContext, shape: TableShape, keys: string[]): Promise<string[]> {
  const [pk] = shape.primaryKey;
  if (pk === undefined || shape.primaryKey.length !== 1) return [];
  const cols = shape.columns.map((c) => `${quoteIdent(c)}::text`).join(', ');
  const sql = `SELECT ${quoteIdent(pk)}::text AS k, json_build_array(${cols})::text AS v
    FROM ONLY ${qualified(shape)} WHERE ${quoteIdent(pk)}::text = ANY($1::text[])`;
  const read = async (side: SnapshotPool) =>
    new Map(
      (await side.run((c) => c.query<{ k: string; v: string }>(sql, [keys]))).rows.map((r) => [
        r.k,
        JSON.parse(r.v) as unknown[],
      ]),
    );
  const [xs, ys] = await Promise.all([read(ctx.x), read(ctx.y)]);
  const changed = new Set<string>();
  for (const [k, xv] of xs) {
    const yv = ys.get(k);
    if (!yv) continue;
    shape.columns.forEach((c, i) => {
      if (xv[i] !== yv[i]) changed.add(c);
    });
  }
  return shape.columns.filter((c) => changed.has(c));
}

function shapeOf(schema: string, info: TableInfo, compared: TableInfo, primaryKey: string[]): TableShape {
  const byName = new Map(info.columns.map((c) => [c.name, c]));
  return {
    schema,
    name: info.name,
    columns: compared.columns.map((c) => c.name),
    primaryKey,
    keyTypes: primaryKey.map((k) => byName.get(k)?.type ?? 'text'),
    keyCollatable: primaryKey.map((k) => byName.get(k)?.collatable ?? false),
  };
}
