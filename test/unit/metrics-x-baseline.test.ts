import { describe, expect, it } from 'vitest';
import { type Comparison, compareWindows } from '../../src/metrics/compare-windows.js';
import type { WindowStats } from '../../src/metrics/window-stats.js';
import {
  chooseXBaseline,
  judgeAgainstStaleReference,
  windowFromJson,
  windowStatsJsonSchema,
  windowToJson,
} from '../../src/metrics/x-baseline.js';

const window = (requests: number): WindowStats => ({
  seconds: 10,
  requests,
  status5xx: 1,
  status4xx: 2,
  latency: [
    { le: 10, count: Math.floor(requests / 2) },
    { le: Number.POSITIVE_INFINITY, count: requests },
  ],
  latencyMetric: 'kong_request_latency_ms',
});

describe('X baseline at 100 %', () => {
  it('uses X live whenever it has enough traffic, and remembers it', () => {
    const live = window(500);
    expect(chooseXBaseline(live, window(900), 50, 200)).toEqual({ x: live, baseline: live, note: null });
    expect(chooseXBaseline(live, null, 100, 200)).toEqual({ x: live, baseline: live, note: null });
  });

  it('at 100 % with X idle, compares with X last window that had traffic and says so', () => {
    const previous = window(800);
    const choice = chooseXBaseline(window(0), previous, 100, 200);
    expect(choice.x).toBe(previous);
    expect(choice.baseline).toBe(previous);
    expect(choice.note).toMatch(/last window that had traffic/);
  });

  it('below 100 % a quiet X stays insufficient (never replaced), and with no baseline nothing is invented', () => {
    const quiet = window(10);
    expect(chooseXBaseline(quiet, window(800), 50, 200).x).toBe(quiet);
    expect(chooseXBaseline(quiet, null, 100, 200)).toEqual({ x: quiet, baseline: null, note: null });
  });

  it('round-trips through JSON, +Inf bucket included', () => {
    const w = window(300);
    const json = JSON.parse(JSON.stringify(windowToJson(w)));
    expect(windowFromJson(windowStatsJsonSchema.parse(json))).toEqual(w);
  });
});

/** A window of `requests` in 10 s whose latencies sit around `ms` (buckets 50/100/250/500/1000/+Inf). */
function timed(requests: number, ms: number): WindowStats {
  const bounds = [50, 100, 250, 500, 1000, Number.POSITIVE_INFINITY];
  return {
    seconds: 10,
    requests,
    status5xx: 0,
    status4xx: 0,
    latency: bounds.map((le) => ({ le, count: le >= ms ? requests : 0 })),
    latencyMetric: 'kong_request_latency_ms',
  };
}

describe('latency at 100 % against a stale X (second reference and load)', () => {
  const thresholds = {
    maxErrorRateIncrease: 0.005,
    maxP95LatencyRatio: 1.25,
    maxP99LatencyRatio: 1.5,
    minRequests: 200,
  };
  const judge = (xThen: WindowStats, yThen: WindowStats | null, yNow: WindowStats) =>
    judgeAgainstStaleReference(compareWindows(xThen, yNow, thresholds), xThen, yThen, yNow, thresholds);
  const latencyVerdicts = (c: Comparison) =>
    c.rows.filter((r) => ['p50', 'p95', 'p99'].includes(r.metric)).map((r) => r.verdict);

  it('Y slower than X and Y together were, at the same load: latency fails', () => {
    // Then: 1,000 requests on X and 1,000 on Y, fast. Now: all 2,000 on Y, four times slower.
    const c = judge(timed(1000, 50), timed(1000, 50), timed(2000, 250));
    expect(compareWindows(timed(1000, 50), timed(2000, 250), thresholds).verdict).toBe('fail');
    expect(c.verdict).toBe('fail');
    expect(latencyVerdicts(c)).toContain('fail');
  });

  it('a load change since the reference only warns, and says the rates', () => {
    // Then X served 1,000 and Y 1,000 (200 req/s); now Y serves 6,000 (600 req/s): slower, but loaded.
    const c = judge(timed(1000, 50), timed(1000, 50), timed(6000, 250));
    expect(c.verdict).toBe('warn');
    expect(latencyVerdicts(c)).not.toContain('fail');
    expect(c.rows.map((r) => r.reason ?? '').join('\n')).toMatch(
      /another load \(200 req\/s then, 600 req\/s now\)/,
    );
  });

  it('Y as slow now as the whole traffic was then: not a regression of Y', () => {
    // X was fast, Y already as slow as now at that moment: together they were slow too.
    const c = judge(timed(1000, 50), timed(1000, 250), timed(2000, 250));
    expect(compareWindows(timed(1000, 50), timed(2000, 250), thresholds).verdict).toBe('fail');
    expect(latencyVerdicts(c)).not.toContain('fail');
  });

  it('without a window of Y from that moment, latency against a stale X can only warn; errors still fail', () => {
    const yNow = { ...timed(2000, 250), status5xx: 200 };
    const c = judge(timed(1000, 50), null, yNow);
    expect(latencyVerdicts(c)).not.toContain('fail');
    expect(c.rows.find((r) => r.metric === 'ratio_5xx')?.verdict).toBe('fail');
    expect(c.verdict).toBe('fail');
  });
});
