import { describe, expect, it } from 'vitest';
import { compareWindows } from '../../src/metrics/compare-windows.js';
import { formatComparison, formatRow, VERDICT_EMOJI } from '../../src/metrics/format-comparison.js';
import {
  formatMs,
  formatPercent,
  formatPercentPoints,
  formatPValue,
  formatRate,
} from '../../src/metrics/format-numbers.js';
import type { WindowStats } from '../../src/metrics/window-stats.js';

const T = {
  maxErrorRateIncrease: 0.005,
  maxP95LatencyRatio: 1.25,
  maxP99LatencyRatio: 1.5,
  minRequests: 200,
};
const INF = Number.POSITIVE_INFINITY;
const win = (requests: number, e5: number, slow = 1): WindowStats => ({
  seconds: 60,
  requests,
  status5xx: e5,
  status4xx: 0,
  latency: [
    { le: 25 * slow, count: Math.round(requests * 0.5) },
    { le: 50 * slow, count: Math.round(requests * 0.9) },
    { le: 100 * slow, count: requests },
    { le: INF, count: requests },
  ],
  latencyMetric: 'kong_request_latency_ms',
});

describe('number formatting', () => {
  it('formats for people', () => {
    expect(formatPercent(0.012)).toBe('1.2 %');
    expect(formatPercent(0.0001)).toBe('0.01 %');
    expect(formatPercent(0)).toBe('0 %');
    expect(formatPercent(null)).toBe('n/a');
    expect(formatPercentPoints(0.029)).toBe('+2.9 pp');
    expect(formatPercentPoints(-0.0005)).toBe('−0.05 pp');
    expect(formatMs(45.2)).toBe('45 ms');
    expect(formatMs(4.25)).toBe('4.3 ms');
    expect(formatMs(225)).toBe('225 ms');
    expect(formatMs(12_345)).toBe('12.3 s');
    expect(formatMs(Number.NaN)).toBe('n/a');
    expect(formatRate(12.34)).toBe('12.3 req/s');
    expect(formatRate(190)).toBe('190 req/s');
    expect(formatRate(0.5)).toBe('0.5 req/s');
    expect(formatPValue(0.0004)).toBe('p < 0.001');
    expect(formatPValue(0.0213)).toBe('p = 0.021');
  });
});

describe('formatComparison', () => {
  it('shows a failing comparison with counts, rows and reasons', () => {
    const c = compareWindows(win(11_400, 23), win(600, 19, 2), T);
    const text = formatComparison(c, {
      start: new Date('2025-03-01T11:59:00Z'),
      end: new Date('2025-03-01T12:00:00Z'),
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      '❌ *X vs Y: fail* · window 60 s (11:59–12:00 UTC) · X 11,400 requests, Y 600 requests',
    );
    expect(lines[1]).toBe('✅ *request rate*: X 190 req/s · Y 10 req/s · Δ −180 req/s');
    expect(lines[2]).toBe('❌ *5xx ratio*: X 0.2 % · Y 3.2 % · Δ +3 pp');
    expect(text).toContain('• 5xx ratio on Y 3.2 % vs X 0.2 % (p < 0.001)');
    // p95 of X: 50 + 50 × 0.05/0.1 = 75 ms
    expect(text).toContain('❌ *p95 latency*: X 75 ms · Y 150 ms · Δ +75 ms (×2)');
    expect(text).toContain('• p95 latency on Y 150 ms vs X 75 ms (×2, limit ×1.25)');
  });

  it('says when there is not enough data, and formats missing values as n/a', () => {
    const c = compareWindows(win(0, 0), win(0, 0), T);
    const text = formatComparison(c);
    expect(text.split('\n')[0]).toContain(`${VERDICT_EMOJI.insufficient_data} *X vs Y: not enough data*`);
    expect(text).toContain('X n/a · Y n/a');
    expect(text).toContain('too few requests to judge');
    const ratioRow = c.rows.find((r) => r.metric === 'ratio_5xx');
    if (!ratioRow) throw new Error('no 5xx row');
    expect(formatRow(ratioRow).delta).toBe('n/a');
  });
});
