import pg from 'pg';
import type { Logger } from 'pino';
import { maskUrl } from '../mask-url.js';
import { applicationName } from './application-name.js';
import { toStoreError } from './to-store-error.js';

/** A result row as PostgreSQL returned it; row-mappers turns these into domain types. */
export type Row = Record<string, unknown>;

/** Something that runs SQL: the pool, or one transaction's connection. */
export interface Queryable {
  query(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

/** The store's handle on PostgreSQL. No pg types leak through it. */
export interface Db extends Queryable {
  /** Runs `fn` in one transaction: commit when it resolves, roll back when it throws. */
  withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Resolves when PostgreSQL answers a trivial query (for /healthz); throws E_STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  databaseUrl: string;
  log?: Logger;
  /** Pool size (default 10). */
  max?: number;
  /** Abort statements running longer than this (default 30 s). */
  statementTimeoutMs?: number;
  /** Give up getting a connection after this (default 5 s). */
  connectionTimeoutMs?: number;
}

export function createDb(options: CreateDbOptions): Db {
  const { databaseUrl, log } = options;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    application_name: applicationName('pool'),
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection emits here; without a listener the process would crash.
  pool.on('error', (error) => {
    log?.warn({ err: toStoreError(error, databaseUrl, 'query') }, 'idle PostgreSQL connection failed');
  });
  // A checked-out client whose server goes away emits too (the pool only listens to idle ones); its
  // query fails with the same error, so the listener only keeps the process alive.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      log?.warn({ err: toStoreError(error, databaseUrl, 'query') }, 'PostgreSQL connection failed');
    });
  });

  async function connect(): Promise<pg.PoolClient> {
    try {
      return await pool.connect();
    } catch (error) {
      throw toStoreError(error, databaseUrl, 'connect');
    }
  }

  async function run(client: pg.ClientBase | pg.Pool, text: string, params?: readonly unknown[]) {
    try {
      const result = await client.query<Row>(text, params === undefined ? undefined : [...params]);
      return result.rows;
    } catch (error) {
      throw toStoreError(error, databaseUrl, client === pool ? 'connect' : 'query');
    }
  }

  return {
    query: (text, params) => run(pool, text, params),

    async withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await connect();
      let broken: unknown;
      try {
        await run(client, 'BEGIN');
        const result = await fn({ query: (text, params) => run(client, text, params) });
        await run(client, 'COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is unusable; destroy it rather than return it to the pool.
          broken = rollbackError;
        }
        throw error;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    },

    async ping() {
      await run(pool, 'SELECT 1');
    },

    async close() {
      await pool.end();
      log?.debug({ database: maskUrl(databaseUrl) }, 'PostgreSQL pool closed');
    },
  };
}
