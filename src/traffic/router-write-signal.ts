/**
 * How long one router write under the lock may take at the most (read → apply → read back, retries
 * included): above the slowest router's worst case (about 185 s for Kubernetes with its per-call timeout
 * and retries), below how long a waiter waits for the lock (ROUTER_LOCK_WAIT_MS).
 */
export const ROUTER_WRITE_BUDGET_MS = 200_000;

/**
 * The signal a router write under the lock runs with: only worker shutdown or the budget end it, never
 * the run changing phase. A write once sent must be answered (or time out and be read back) before the
 * lock is let go, so an abort's read-back or a rollback never overlaps it; the budget keeps a router
 * that hangs from holding the lock longer than a waiting rollback waits.
 */
export function routerWriteSignal(shutdown: AbortSignal): AbortSignal {
  return AbortSignal.any([shutdown, AbortSignal.timeout(ROUTER_WRITE_BUDGET_MS)]);
}
