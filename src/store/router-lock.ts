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

export function createRouterLock(db: Db): RouterLock {
  return {
    withLock(environment, fn) {
      return db.withTransaction(async (tx) => {
        // A holder that outlives the statement timeout makes this throw a retryable E_STORE_CONFLICT
        // (lock not available): the job is retried, it never writes without the lock.
        await tx.query(
          "SELECT pg_advisory_xact_lock(hashtextextended('kong-upgrade-bot:router:' || $1, 0))",
          [environment],
        );
        return fn();
      });
    },
  };
}
