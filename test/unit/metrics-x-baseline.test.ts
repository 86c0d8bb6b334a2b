import { describe, expect, it } from 'vitest';
import type { WindowStats } from '../../src/metrics/window-stats.js';
import {
  chooseXBaseline,
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
