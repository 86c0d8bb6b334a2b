/** No single backoff wait is longer than this, however many attempts came before. */
export const MAX_BACKOFF_MS = 10_000;

/**
 * The wait before retry number `retry` (0 for the first retry): exponential from `baseMs`, capped at
 * `maxMs`, with "equal jitter" (between half and all of it) so many workers retrying at once spread out.
 */
export function backoffDelay(retry: number, baseMs: number, maxMs = MAX_BACKOFF_MS): number {
  // The exponent is bounded so that a large retry number cannot turn 0 × ∞ into NaN.
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, retry), 40));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
