import pg from 'pg';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { KONG_BOOKKEEPING_TABLES } from './kong-bookkeeping-tables.js';

/** Per table (`schema.table`): row count and an order-independent digest of every row's text. */
export type TableDigests = Record<string, { rows: number; digest: string }>;

export interface ReadTableDigestsOptions {
  signal?: AbortSignal;
  /** Per statement (default 60 s). */
  statementTimeoutMs?: number;
  /** Giving up on connecting (default 5 s). */
  connectTimeoutMs?: number;
}

// Schemas that are never Kong's configuration: PostgreSQL's own and the bot's restore marker.
const TABLES_SQL = `
  SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS ident, n.nspname || '.' || c.relname AS name,
         c.relname AS rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
     AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'kong_upgrade_bot')
     AND n.nspname NOT LIKE 'pg\\_%'
   ORDER BY 2`;

/**
 * Digests of every configuration table of a Kong database, computed by PostgreSQL in one snapshot:
 * the row count and the sum of a 64-bit hash of each row's text (`hashtextextended`, about twice as
 * fast as md5; baseline and checks run on the same server), so the server streams each table once,
 * sorts nothing and sends back two numbers. Any inserted, deleted or changed row changes a
 * table's digest. Kong's runtime and bookkeeping tables (counters, locks, heartbeats) are left out:
 * they change on a live node whatever the freeze says.
 */
export async function readTableDigests(
  databaseUrl: string,
  options: ReadTableDigestsOptions = {},
): Promise<TableDigests> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    statement_timeout: options.statementTimeoutMs ?? 60_000,
    application_name: 'kong-upgrade-bot drift digests',
  });
  client.on('error', () => undefined);
  const abort = () => void client.end().catch(() => undefined);
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
    // Row text must read the same at every check: fix the settings that shape it.
    await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3");
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const tables = await client.query<{ ident: string; name: string; rel: string }>(TABLES_SQL);
    const out: TableDigests = {};
    for (const t of tables.rows) {
      if (KONG_BOOKKEEPING_TABLES.includes(t.rel)) continue;
      const res = await client.query<{ n: string; s: string }>(
        `SELECT count(*)::text AS n,
                coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)::text AS s
           FROM ${t.ident} t`,
      );
      out[t.name] = { rows: Number(res.rows[0]?.n ?? 0), digest: res.rows[0]?.s ?? '0' };
    }
    await client.query('COMMIT');
    return out;
  } catch (cause) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw new AppError(
      'E_PG_UNREACHABLE',
      `Could not read the table digests of ${maskUrl(databaseUrl)}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { retryable: true, cause, details: { database: maskUrl(databaseUrl) } },
    );
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await client.end().catch(() => undefined);
  }
}

/** Tables whose digest or row count differs, or that exist on one side only (sorted). */
export function changedTables(before: TableDigests, now: TableDigests): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(now)]);
  return [...names]
    .filter((n) => before[n]?.rows !== now[n]?.rows || before[n]?.digest !== now[n]?.digest)
    .sort();
}
