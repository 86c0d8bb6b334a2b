import { type Comparison, type ComparisonMetric, verdictOf } from './compare-windows.js';

/** Latency rows that may fail a comparison. */
export const LATENCY_ROWS: readonly ComparisonMetric[] = ['p50', 'p95', 'p99'];

/**
 * Latency needs persistent evidence before it proposes a rollback: a latency row fails only when the
 * previous window of the same step failed it too. A single slow window (a GC pause, a noisy neighbour,
 * a briefly loaded machine; latency is autocorrelated, so one window says little) is shown as a
 * warning instead. A sustained regression still fails by its second window. Error-ratio and route
 * rows are not affected: their tests already account for noise. `previousFailing` is what `latencyFailing`
 * returned for the previous window (empty at the first window of a step).
 */
export function requirePersistentLatency(c: Comparison, previousFailing: readonly string[]): Comparison {
  const rows = c.rows.map((row) =>
    LATENCY_ROWS.includes(row.metric) && row.verdict === 'fail' && !previousFailing.includes(row.metric)
      ? {
          ...row,
          verdict: 'warn' as const,
          reason: `${row.reason ?? row.label} — first slow window; fails if the next one is slow too`,
        }
      : row,
  );
  const out = { ...c, rows };
  out.verdict = verdictOf(out);
  return out;
}

/** Latency rows failing in this window on their own (before `requirePersistentLatency`). */
export function latencyFailing(c: Comparison): string[] {
  return c.rows.filter((r) => LATENCY_ROWS.includes(r.metric) && r.verdict === 'fail').map((r) => r.metric);
}
