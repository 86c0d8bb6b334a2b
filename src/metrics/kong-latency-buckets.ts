import type { Bucket } from './histogram-quantile.js';

/** Kong 2.8's one bucket set (`kong_latency_bucket`, every `type`). */
export const KONG_28_LATENCY_BUCKETS: readonly number[] = [
  1, 2, 5, 7, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100, 200, 300, 400, 500, 1000, 2000, 5000, 10000,
  30000, 60000,
];

/** Kong 3.x UPSTREAM_LATENCY_BUCKETS, used by `kong_request_latency_ms` and `kong_upstream_latency_ms`. */
export const KONG_3X_UPSTREAM_LATENCY_BUCKETS: readonly number[] = [
  25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000,
];

/** The bucket set Kong uses for a latency histogram the bot reads, by the name the bot gives it. */
export function kongBucketSet(latencyMetric: string | null): readonly number[] | undefined {
  if (latencyMetric === null) return undefined;
  if (latencyMetric.startsWith('kong_latency')) return KONG_28_LATENCY_BUCKETS;
  if (latencyMetric === 'kong_request_latency_ms' || latencyMetric === 'kong_upstream_latency_ms')
    return KONG_3X_UPSTREAM_LATENCY_BUCKETS;
  return undefined;
}

/**
 * Puts back the buckets Kong leaves out. Kong (before 3.14.0.9) creates a bucket only once a value
 * at or below it is observed, so a series whose lowest bucket is `le=50` holds nothing at or below
 * the set's previous bound (25). Without that zero bucket, interpolation inside the first bucket
 * would start at 0 instead of 25 and read low quantiles too low. Bounds between present ones take
 * the count below them (cumulative). A series with a bound outside the known set (a Kong version
 * with another set) is left as it is rather than guessed at.
 */
export function completeKongBuckets(
  buckets: readonly Bucket[],
  known: readonly number[] | undefined,
): Bucket[] {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  if (!known || sorted.length === 0) return sorted;
  const present = new Set(sorted.map((b) => b.le));
  for (const le of present) if (Number.isFinite(le) && !known.includes(le)) return sorted;
  const out: Bucket[] = [];
  let j = 0;
  let carried = 0;
  for (const le of known) {
    while (j < sorted.length && (sorted[j]?.le ?? 0) <= le) {
      carried = sorted[j]?.count ?? carried;
      out.push(sorted[j] as Bucket);
      j++;
    }
    if (!present.has(le)) out.push({ le, count: carried });
  }
  while (j < sorted.length) out.push(sorted[j++] as Bucket);
  return out.sort((a, b) => a.le - b.le);
}
