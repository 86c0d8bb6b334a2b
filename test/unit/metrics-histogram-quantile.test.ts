import { describe, expect, it } from 'vitest';
import { type Bucket, histogramQuantile } from '../../src/metrics/histogram-quantile.js';

const INF = Number.POSITIVE_INFINITY;
const b = (pairs: [number, number][]): Bucket[] => pairs.map(([le, count]) => ({ le, count }));

// Expected values worked out by hand from Prometheus's BucketQuantile (promql/quantile.go).
const cases: { name: string; q: number; buckets: Bucket[]; expected: number }[] = [
  {
    name: 'q < 0',
    q: -0.1,
    buckets: b([
      [10, 1],
      [INF, 1],
    ]),
    expected: -INF,
  },
  {
    name: 'q > 1',
    q: 1.1,
    buckets: b([
      [10, 1],
      [INF, 1],
    ]),
    expected: INF,
  },
  {
    name: 'q NaN',
    q: Number.NaN,
    buckets: b([
      [10, 1],
      [INF, 1],
    ]),
    expected: Number.NaN,
  },
  { name: 'q < 0 wins over empty', q: -1, buckets: [], expected: -INF },
  { name: 'no buckets', q: 0.5, buckets: [], expected: Number.NaN },
  { name: 'only the +Inf bucket', q: 0.5, buckets: b([[INF, 10]]), expected: Number.NaN },
  {
    name: 'no +Inf bucket',
    q: 0.5,
    buckets: b([
      [10, 1],
      [20, 2],
    ]),
    expected: Number.NaN,
  },
  {
    name: 'no observations',
    q: 0.5,
    buckets: b([
      [10, 0],
      [INF, 0],
    ]),
    expected: Number.NaN,
  },
  // rank 20 → bucket (10,20] holding 20: 10 + 10 × (10/20)
  {
    name: 'median interpolates',
    q: 0.5,
    buckets: b([
      [10, 10],
      [20, 30],
      [40, 40],
      [INF, 40],
    ]),
    expected: 15,
  },
  // rank 4 → lowest bucket, from 0: 10 × 4/10
  {
    name: 'lowest bucket starts at 0',
    q: 0.1,
    buckets: b([
      [10, 10],
      [20, 30],
      [40, 40],
      [INF, 40],
    ]),
    expected: 4,
  },
  // rank 40 → bucket (20,40]: 20 + 20 × 10/10
  {
    name: 'q = 1 ends at the last reached bound',
    q: 1,
    buckets: b([
      [10, 10],
      [20, 30],
      [40, 40],
      [INF, 40],
    ]),
    expected: 40,
  },
  {
    name: 'q = 0',
    q: 0,
    buckets: b([
      [10, 10],
      [INF, 10],
    ]),
    expected: 0,
  },
  // rank 9 lies beyond 20 (count 8) → the +Inf bucket → highest finite bound
  {
    name: 'rank in the +Inf bucket',
    q: 0.9,
    buckets: b([
      [10, 5],
      [20, 8],
      [INF, 10],
    ]),
    expected: 20,
  },
  {
    name: 'single finite bucket',
    q: 0.5,
    buckets: b([
      [10, 4],
      [INF, 4],
    ]),
    expected: 5,
  },
  {
    name: 'single finite bucket, rank above it',
    q: 0.75,
    buckets: b([
      [10, 4],
      [INF, 8],
    ]),
    expected: 10,
  },
  {
    name: 'unsorted input',
    q: 0.5,
    buckets: b([
      [INF, 40],
      [20, 30],
      [40, 40],
      [10, 10],
    ]),
    expected: 15,
  },
  {
    name: 'lowest bound 0 returns 0',
    q: 0.2,
    buckets: b([
      [0, 5],
      [10, 10],
      [INF, 10],
    ]),
    expected: 0,
  },
  {
    name: 'negative lowest bound returned as is',
    q: 0.3,
    buckets: b([
      [-5, 5],
      [10, 10],
      [INF, 10],
    ]),
    expected: -5,
  },
  // 20 → 5 (decrease ignored, prev stays 5): buckets 5,5,8,8; rank 4 → 10 × 4/5
  {
    name: 'non-monotonic counts, low rank',
    q: 0.5,
    buckets: b([
      [10, 5],
      [20, 3],
      [30, 8],
      [INF, 8],
    ]),
    expected: 8,
  },
  // rank 6 → (20,30] holds 8−5 = 3: 20 + 10 × 1/3
  {
    name: 'non-monotonic counts, high rank',
    q: 0.75,
    buckets: b([
      [10, 5],
      [20, 3],
      [30, 8],
      [INF, 8],
    ]),
    expected: 20 + 10 / 3,
  },
  // 20 → 5, 30: 4 < prev 5 → 5, +Inf 6: rank 5.4 in +Inf → 30
  {
    name: 'non-monotonic, prev not lowered',
    q: 0.9,
    buckets: b([
      [10, 5],
      [20, 3],
      [30, 4],
      [INF, 6],
    ]),
    expected: 30,
  },
  // the two le=10 buckets merge into 5: 10 × 2.5/5
  {
    name: 'same bound merged',
    q: 0.5,
    buckets: b([
      [10, 2],
      [10, 3],
      [INF, 5],
    ]),
    expected: 5,
  },
  // 1 + 1e-13 is float noise (relative < 1e-12): counts become 1, 1, 1 → exactly 5
  {
    name: 'float noise ignored',
    q: 0.5,
    buckets: b([
      [10, 1],
      [20, 1 + 1e-13],
      [INF, 1 + 1e-13],
    ]),
    expected: 5,
  },
  // Kong's request-latency buckets with nothing below 50 (never created): rank 95 of 100 in (250,400]
  {
    name: 'kong buckets',
    q: 0.95,
    buckets: b([
      [50, 10],
      [80, 40],
      [100, 70],
      [250, 90],
      [400, 100],
      [700, 100],
      [INF, 100],
    ]),
    expected: 250 + 150 * (5 / 10),
  },
];

describe('histogramQuantile matches Prometheus', () => {
  it.each(cases)('$name', ({ q, buckets, expected }) => {
    const actual = histogramQuantile(q, buckets);
    if (Number.isNaN(expected)) expect(actual).toBeNaN();
    else if (Number.isInteger(expected) || !Number.isFinite(expected)) expect(actual).toBe(expected);
    else expect(actual).toBeCloseTo(expected, 12);
  });

  it('does not modify its input', () => {
    const input = b([
      [20, 3],
      [10, 5],
      [INF, 8],
    ]);
    const copy = structuredClone(input);
    histogramQuantile(0.5, input);
    expect(input).toEqual(copy);
  });

  it('is monotonic in q for any cumulative histogram', () => {
    const buckets = b([
      [25, 3],
      [50, 9],
      [80, 9],
      [100, 20],
      [250, 44],
      [INF, 50],
    ]);
    let last = Number.NEGATIVE_INFINITY;
    for (let q = 0; q <= 1.0001; q += 0.01) {
      const v = histogramQuantile(Math.min(q, 1), buckets);
      expect(v).toBeGreaterThanOrEqual(last);
      last = v;
    }
  });
});
