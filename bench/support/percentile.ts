/**
 * Nearest-rank percentile (the smallest sample with at least p % of the samples at or below it), so
 * p99 of 1,000 latencies is the 990th fastest: a value that was really observed, never interpolated.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError('percentile of no samples');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** p50/p95/p99/max/mean of latencies in ms, rounded to 0.01 ms. */
export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    count: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    max: round(percentile(samples, 100)),
    mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
  };
}
