import { describe, expect, it } from 'vitest';
import { type ComparisonThresholds, compareWindows, failingRows } from '../../src/metrics/compare-windows.js';
import type { Bucket } from '../../src/metrics/histogram-quantile.js';
import { latencyFailing, requirePersistentLatency } from '../../src/metrics/require-persistent-latency.js';
import type { WindowStats } from '../../src/metrics/window-stats.js';

const T: ComparisonThresholds = {
  maxErrorRateIncrease: 0.005,
  maxP95LatencyRatio: 1.25,
  maxP99LatencyRatio: 1.5,
  minRequests: 200,
};

function win(requests: number, e5: number, scale = 1): WindowStats {
  const shape: [number, number][] = [
    [25, 0.1],
    [50, 0.4],
    [80, 0.7],
    [100, 0.85],
    [250, 0.97],
    [400, 0.99],
    [700, 0.997],
    [1000, 1],
  ];
  // Scale the latencies by moving the fractions to bounds `scale` times higher (2 → roughly twice as slow).
  const bounds = [25, 50, 80, 100, 250, 400, 700, 1000, 2000];
  const latency: Bucket[] = bounds.map((le) => {
    let f = 0;
    for (const [b, frac] of shape) if (b * scale <= le) f = frac;
    return { le, count: Math.round(requests * f) };
  });
  latency.push({ le: Number.POSITIVE_INFINITY, count: requests });
  return {
    seconds: 60,
    requests,
    status5xx: e5,
    status4xx: 0,
    latency,
    latencyMetric: 'kong_request_latency_ms',
  };
}

describe('requirePersistentLatency', () => {
  it('turns a first slow window into a warning, and fails the second one in a row', () => {
    const slow = compareWindows(win(11_400, 23), win(600, 1, 2), T);
    expect(slow.verdict).toBe('fail');
    expect(latencyFailing(slow)).toContain('p99');
    const first = requirePersistentLatency(slow, []);
    expect(first.verdict).toBe('warn');
    expect(failingRows(first)).toEqual([]);
    expect(first.rows.find((r) => r.metric === 'p99')?.reason).toMatch(/first slow window/);
    const second = requirePersistentLatency(slow, latencyFailing(slow));
    expect(second.verdict).toBe('fail');
    expect(failingRows(second).map((r) => r.metric)).toEqual(expect.arrayContaining(['p95', 'p99']));
  });

  it('never softens an error-ratio failure', () => {
    const errors = compareWindows(win(11_400, 23), win(600, 30, 1), T);
    expect(requirePersistentLatency(errors, []).verdict).toBe('fail');
  });

  it('a stall between two normal windows never fails', () => {
    const normal = compareWindows(win(11_400, 23), win(600, 1, 1), T);
    const stall = compareWindows(win(11_400, 23), win(600, 1, 2), T);
    let previous: string[] = [];
    const verdicts = [normal, stall, normal, stall].map((c) => {
      const out = requirePersistentLatency(c, previous).verdict;
      previous = latencyFailing(c);
      return out;
    });
    expect(verdicts).not.toContain('fail');
  });
});
