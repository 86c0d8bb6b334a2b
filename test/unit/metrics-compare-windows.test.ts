import { describe, expect, it } from 'vitest';
import {
  type Comparison,
  type ComparisonThresholds,
  compareWindows,
  failingRows,
  VERDICT_PRECEDENCE,
  worstVerdict,
} from '../../src/metrics/compare-windows.js';
import type { Bucket } from '../../src/metrics/histogram-quantile.js';
import { normalUpperTail, twoProportionTest, zForAlpha } from '../../src/metrics/proportion-tests.js';
import type { WindowStats } from '../../src/metrics/window-stats.js';

const T: ComparisonThresholds = {
  maxErrorRateIncrease: 0.005,
  maxP95LatencyRatio: 1.25,
  maxP99LatencyRatio: 1.5,
  minRequests: 200,
};
const INF = Number.POSITIVE_INFINITY;

// Cumulative fractions at Kong's request-latency bounds. NORMAL p95 = 100 + 150 × 0.10/0.12 = 225 ms.
const NORMAL: [number, number][] = [
  [25, 0.1],
  [50, 0.4],
  [80, 0.7],
  [100, 0.85],
  [250, 0.97],
  [400, 0.99],
  [700, 0.997],
  [1000, 1],
];
// Everything about twice as slow: p95 = 400 + 300 × 0.02/0.05 = 520 ms.
const SLOW: [number, number][] = [
  [25, 0.01],
  [50, 0.05],
  [80, 0.2],
  [100, 0.3],
  [250, 0.6],
  [400, 0.93],
  [700, 0.98],
  [1000, 0.995],
  [2000, 1],
];

function histogram(n: number, shape: [number, number][]): Bucket[] {
  return [...shape.map(([le, f]) => ({ le, count: Math.round(n * f) })), { le: INF, count: n }];
}

function win(
  requests: number,
  e5: number,
  opts: { e4?: number; shape?: [number, number][] | null } = {},
): WindowStats {
  const shape = opts.shape === undefined ? NORMAL : opts.shape;
  return {
    seconds: 60,
    requests,
    status5xx: e5,
    status4xx: opts.e4 ?? 0,
    latency: shape ? histogram(requests, shape) : [],
    latencyMetric: shape ? 'kong_request_latency_ms' : null,
  };
}

const row = (c: Comparison, metric: string) => c.rows.find((r) => r.metric === metric);

describe('compareWindows', () => {
  it('passes a healthy window: X 95 %, Y 5 % of 200 req/s, same 0.2 % errors and latency', () => {
    const c = compareWindows(win(11_400, 23), win(600, 1), T);
    expect(c.verdict).toBe('pass');
    expect(c.rows.map((r) => r.verdict)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
    expect(row(c, 'request_rate')).toMatchObject({ x: 190, y: 10, delta: -180 });
    expect(row(c, 'p95')?.x).toBeCloseTo(225, 6);
    expect(row(c, 'p95')?.ratio).toBeCloseTo(1, 6);
    expect(failingRows(c)).toEqual([]);
  });

  it('fails 3 % 5xx on Y with enough requests, saying why in plain words', () => {
    const c = compareWindows(win(11_400, 23), win(600, 19), T);
    expect(c.verdict).toBe('fail');
    const failing = failingRows(c);
    expect(failing.map((r) => r.metric)).toEqual(['ratio_5xx']);
    expect(failing[0]?.reason).toBe('5xx ratio on Y 3.2 % vs X 0.2 % (p < 0.001)');
    expect(failing[0]?.pValue).toBeLessThan(0.001);
  });

  it('fails when p95 doubles, and says by how much', () => {
    const c = compareWindows(win(11_400, 23), win(600, 1, { shape: SLOW }), T);
    expect(c.verdict).toBe('fail');
    expect(row(c, 'p95')).toMatchObject({ verdict: 'fail' });
    expect(row(c, 'p95')?.ratio).toBeCloseTo(520 / 225, 6);
    expect(row(c, 'p50')?.verdict).toBe('warn'); // p50 only ever warns
    expect(failingRows(c).map((r) => r.reason)).toContain(
      'p95 latency on Y 520 ms vs X 225 ms (×2.31, limit ×1.25)',
    );
  });

  it('is insufficient_data, never pass, with fewer than minRequests on either side', () => {
    for (const [x, y] of [
      [win(11_400, 23), win(150, 0)],
      [win(150, 0), win(11_400, 23)],
      [win(150, 0), win(150, 60)],
    ] as const) {
      const c = compareWindows(x, y, T);
      expect(c.verdict).toBe('insufficient_data');
      expect(c.rows.every((r) => r.verdict === 'insufficient_data')).toBe(true);
      expect(row(c, 'request_rate')?.reason).toContain('need 200 on each');
    }
  });

  it('X with zero errors and Y with a few: a warning, not a failure; many: a failure', () => {
    const few = compareWindows(win(10_000, 0), win(600, 2), T);
    expect(row(few, 'ratio_5xx')?.verdict).toBe('warn');
    expect(few.verdict).toBe('warn');
    expect(row(few, 'ratio_5xx')?.reason).toMatch(/^5xx ratio on Y 0.3 % vs X 0 % \(p < 0.001\)$/);
    expect(compareWindows(win(10_000, 0), win(600, 1), T).verdict).toBe('pass');
    expect(compareWindows(win(10_000, 0), win(600, 30), T).verdict).toBe('fail');
  });

  it('warns on a large 5xx increase that is not significant', () => {
    const c = compareWindows(win(12_000, 24), win(250, 2), T);
    expect(row(c, 'ratio_5xx')?.pValue).toBeGreaterThan(0.01);
    expect(row(c, 'ratio_5xx')?.verdict).toBe('warn');
  });

  it('only warns on 4xx, however bad', () => {
    const c = compareWindows(win(11_400, 0, { e4: 100 }), win(600, 0, { e4: 300 }), T);
    expect(row(c, 'ratio_4xx')?.verdict).toBe('warn');
    expect(c.verdict).toBe('warn');
  });

  it('warns in the band between 1 + (t − 1)/2 and t for p95', () => {
    // Y's p95 = 250 + 150 × 0.005/0.05 = 265 ms vs X 225 ms: ratio 1.18
    const slightly: [number, number][] = [
      [25, 0.05],
      [50, 0.25],
      [80, 0.55],
      [100, 0.78],
      [250, 0.945],
      [400, 0.995],
      [700, 0.998],
      [1000, 1],
    ];
    const c = compareWindows(win(11_400, 23), win(6000, 12, { shape: slightly }), T);
    const ratio = row(c, 'p95')?.ratio ?? 0;
    expect(ratio).toBeGreaterThan(1.125);
    expect(ratio).toBeLessThan(1.25);
    expect(row(c, 'p95')?.verdict).toBe('warn');
  });

  it('handles X p95 of 0, no latency histogram and no requests without NaN or Infinity', () => {
    const zeroX: WindowStats = {
      ...win(1000, 0),
      latency: [
        { le: 0, count: 1000 },
        { le: 25, count: 1000 },
        { le: INF, count: 1000 },
      ],
    };
    const c = compareWindows(zeroX, win(1000, 0), T);
    expect(row(c, 'p95')).toMatchObject({ x: 0, ratio: null, verdict: 'fail' });
    expect(compareWindows(zeroX, zeroX, T).verdict).toBe('pass');

    const noLatency = compareWindows(win(1000, 0, { shape: null }), win(1000, 0, { shape: null }), T);
    expect(noLatency.verdict).toBe('insufficient_data');
    expect(row(noLatency, 'p95')).toMatchObject({ x: null, y: null, verdict: 'insufficient_data' });
    expect(row(noLatency, 'ratio_5xx')?.verdict).toBe('pass');

    const failingWithoutLatency = compareWindows(
      win(10_000, 10, { shape: null }),
      win(1000, 100, { shape: null }),
      T,
    );
    expect(failingWithoutLatency.verdict).toBe('fail');

    const empty = compareWindows(win(0, 0, { shape: null }), win(0, 0, { shape: null }), T);
    expect(empty.verdict).toBe('insufficient_data');
    expect(row(empty, 'ratio_5xx')).toMatchObject({ x: null, y: null });
    for (const c2 of [c, noLatency, empty]) expect(JSON.parse(JSON.stringify(c2))).toEqual(c2);
  });
});

describe('verdict precedence', () => {
  it('orders fail > insufficient_data > warn > pass', () => {
    expect(VERDICT_PRECEDENCE).toEqual(['fail', 'insufficient_data', 'warn', 'pass']);
    expect(worstVerdict(['pass', 'warn'])).toBe('warn');
    expect(worstVerdict(['warn', 'insufficient_data'])).toBe('insufficient_data');
    expect(worstVerdict(['insufficient_data', 'fail', 'pass'])).toBe('fail');
    expect(worstVerdict([])).toBe('pass');
  });
});

describe('proportion tests', () => {
  it('has a correct normal tail and z for α', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(-1.644854)).toBeCloseTo(0.95, 6);
    expect(zForAlpha(0.01)).toBeCloseTo(2.326348, 5);
  });

  it('computes the pooled two-proportion z by hand', () => {
    // pX = 0.01, pY = 0.03, pooled = 0.02, se = √(0.02·0.98·(1/1000+1/1000)) = 0.0062610
    const t = twoProportionTest(10, 1000, 30, 1000);
    expect(t.z).toBeCloseTo(0.02 / Math.sqrt(0.02 * 0.98 * 0.002), 9);
    expect(twoProportionTest(0, 1000, 0, 1000).pValue).toBe(1);
    expect(twoProportionTest(5, 0, 5, 100).pValue).toBe(1);
  });
});
