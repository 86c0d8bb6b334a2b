import type { Db } from './db.js';

/**
 * The one serialisation point for router writes: a PostgreSQL advisory lock per environment, held by
 * a transaction across read → apply → read back. Every process takes the same lock, so a shift and a
 * rollback of one environment never write the router at the same time, and the rollback (which waits
 * for the shift's write to be answered) always writes last. A process that dies drops its connection,
 * and PostgreSQL releases the lock with it.
 */
export interface RouterLock {
  /** Runs `fn` while holding the environment's router lock; waits for the holder (up to the statement timeout). */
  withLock<T>(environment: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * How long a job waits for the router lock: longer than a holder may write (ROUTER_WRITE_BUDGET_MS), so
 * a rollback waiting behind a slow step's write never spends its attempts on the wait.
 */
export const ROUTER_LOCK_WAIT_MS = 240_000;

export function createRouterLock(db: Db, options: { waitMs?: number } = {}): RouterLock {
  const waitMs = Math.max(1, Math.trunc(options.waitMs ?? ROUTER_LOCK_WAIT_MS));
  return {
    withLock(environment, fn) {
      return db.withTransaction(async (tx) => {
        // The wait has its own, longer limit; the statements after it have the pool's usual one. A
        // holder that outlives even this makes the lock statement throw a retryable error: the job is
        // retried, it never writes without the lock.
        await tx.query(`SET LOCAL statement_timeout = ${waitMs}`);
        await tx.query(
          "SELECT pg_advisory_xact_lock(hashtextextended('kong-upgrade-bot:router:' || $1, 0))",
          [environment],
        );
        await tx.query('SET LOCAL statement_timeout TO DEFAULT');
        return fn();
      });
    },
  };
}
