/**
 * Prometheus's `histogram_quantile` for classic histograms (promql/quantile.go `BucketQuantile`),
 * step for step, so our numbers match what operators see in their own dashboards:
 * q out of range → ±Inf; buckets sorted by upper bound; no +Inf bucket → NaN; buckets with the same
 * bound are merged; decreasing counts are forced monotonic (and float noise below a relative 1e-12
 * ignored); fewer than 2 buckets or no observations → NaN; a rank in the +Inf bucket → the highest
 * finite bound; otherwise linear interpolation within the bucket, the lowest bucket starting at 0
 * (or returning its bound when that bound is ≤ 0).
 */
export interface Bucket {
  /** Inclusive upper bound; +Infinity for the last bucket. */
  le: number;
  /** Cumulative count of observations ≤ le. */
  count: number;
}

const SMALL_DELTA_TOLERANCE = 1e-12;
const MIN_NORMAL = 2.2250738585072014e-308;

export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  if (input.length === 0) return Number.NaN;
  const sorted = input.map((b) => ({ le: b.le, count: b.count })).sort((a, b) => a.le - b.le);
  const last = sorted[sorted.length - 1];
  if (!last || last.le !== Number.POSITIVE_INFINITY) return Number.NaN;
  const buckets = coalesce(sorted);
  ensureMonotonic(buckets);
  if (buckets.length < 2) return Number.NaN;
  const observations = buckets[buckets.length - 1]?.count ?? 0;
  if (observations === 0 || Number.isNaN(observations)) return Number.NaN;
  let rank = q * observations;
  // First bucket (excluding +Inf) whose count reaches the rank, as sort.Search does.
  let b = 0;
  while (b < buckets.length - 1 && (buckets[b]?.count ?? 0) < rank) b++;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]?.le ?? Number.NaN;
  const bucket = buckets[b];
  if (!bucket) return Number.NaN;
  if (b === 0 && bucket.le <= 0) return bucket.le;
  let start = 0;
  let count = bucket.count;
  const previous = b > 0 ? buckets[b - 1] : undefined;
  if (previous) {
    start = previous.le;
    count -= previous.count;
    rank -= previous.count;
  }
  return start + (bucket.le - start) * (rank / count);
}

function coalesce(buckets: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const b of buckets) {
    const last = out[out.length - 1];
    if (last && last.le === b.le) last.count += b.count;
    else out.push({ ...b });
  }
  return out;
}

function ensureMonotonic(buckets: Bucket[]): void {
  let prev = buckets[0]?.count ?? 0;
  for (let i = 1; i < buckets.length; i++) {
    const bucket = buckets[i];
    if (!bucket) continue;
    const curr = bucket.count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE) || curr < prev) {
      // Prometheus keeps `prev` here: the decrease (or float noise) is ignored, not followed.
      bucket.count = prev;
      continue;
    }
    prev = curr;
  }
}

function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}
