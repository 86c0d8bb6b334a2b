import { AppError } from '../errors.js';
import { sleep } from '../sleep.js';
import type { Db } from './db.js';

/**
 * The one serialisation point for router writes: a PostgreSQL advisory lock per environment, held by
 * a transaction across read → apply → read back. Every process takes the same lock, so a shift and a
 * rollback of one environment never write the router at the same time, and the rollback (which waits
 * for the shift's write to be answered) always writes last. A process that dies drops its connection,
 * and PostgreSQL releases the lock with it.
 */
export interface RouterLock {
  /**
   * Runs `fn` while holding the environment's router lock. Waits for the holder up to the lock's wait
   * (longer than a holder may write), or until `signal` aborts (worker shutdown): then it throws a
   * retryable error and `fn` never runs.
   */
  withLock<T>(environment: string, fn: () => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
}

/**
 * How long a job waits for the router lock: longer than a holder may write (ROUTER_WRITE_BUDGET_MS), so
 * a rollback waiting behind a slow step's write never spends its attempts on the wait.
 */
export const ROUTER_LOCK_WAIT_MS = 240_000;
/** Between tries while another job holds the lock. */
const RETRY_MS = 100;

export function createRouterLock(db: Db, options: { waitMs?: number } = {}): RouterLock {
  const waitMs = Math.max(1, Math.trunc(options.waitMs ?? ROUTER_LOCK_WAIT_MS));
  return {
    withLock(environment, fn, { signal } = {}) {
      return db.withTransaction(async (tx) => {
        // Tried, not waited for in one statement: a wait inside PostgreSQL cannot be interrupted, and a
        // worker that is stopping must not sit behind a slow holder for minutes.
        const deadline = Date.now() + waitMs;
        for (;;) {
          const [row] = await tx.query(
            "SELECT pg_try_advisory_xact_lock(hashtextextended('kong-upgrade-bot:router:' || $1, 0)) AS got",
            [environment],
          );
          if (row?.got === true) break;
          if (signal?.aborted || Date.now() >= deadline) {
            throw new AppError(
              'E_STORE_CONFLICT',
              signal?.aborted
                ? 'stopped while waiting for the router lock; nothing was written'
                : `the router of ${environment} stayed locked for ${Math.round(waitMs / 1000)} s; nothing was written`,
              { retryable: true, details: { environment } },
            );
          }
          await sleep(RETRY_MS, signal).catch(() => undefined);
        }
        return fn();
      });
    },
  };
}
