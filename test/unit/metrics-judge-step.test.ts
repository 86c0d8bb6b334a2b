import { describe, expect, it } from 'vitest';
import { type ComparisonThresholds, compareWindows, failingRows } from '../../src/metrics/compare-windows.js';
import { formatComparison } from '../../src/metrics/format-comparison.js';
import { judgeStep, type StepEvidence } from '../../src/metrics/judge-step.js';
import type { RouteWindow, WindowStats } from '../../src/metrics/window-stats.js';

const T: ComparisonThresholds = {
  maxErrorRateIncrease: 0.005,
  maxP95LatencyRatio: 1.25,
  maxP99LatencyRatio: 1.5,
  minRequests: 200,
};
const STEP = { stepIndex: 1, weight: 5, steps: 4 };

function window(routes: RouteWindow[], seconds = 5): WindowStats {
  let requests = 0;
  let status5xx = 0;
  let status4xx = 0;
  for (const r of routes)
    for (const [code, n] of Object.entries(r.codes)) {
      requests += n;
      if (code.startsWith('5')) status5xx += n;
      if (code.startsWith('4')) status4xx += n;
    }
  return { seconds, requests, status5xx, status4xx, latency: [], latencyMetric: null, routes };
}

const r = (service: string, route: string, codes: Record<string, number>): RouteWindow => ({
  workspace: 'default',
  service,
  route,
  codes,
  latency: [],
});

function judge(x: WindowStats, y: WindowStats, prior: StepEvidence | null, step = STEP) {
  return judgeStep(compareWindows(x, y, T), x, y, x, prior, step);
}

describe('judgeStep', () => {
  it('fails on the accumulated 5xx evidence of the step, although no single window is big enough', () => {
    // 5 s windows at 200 req/s, 5 % on Y: 50 requests on Y, far below minRequests (200) per window.
    const x = window([r('s', 'a', { '200': 948, '500': 2 })]);
    const y = window([r('s', 'a', { '200': 40, '500': 10 })]);
    const first = judge(x, y, null);
    expect(first.comparison.rows.find((row) => row.metric === 'ratio_5xx')?.verdict).toBe(
      'insufficient_data',
    );
    let evidence = first.evidence;
    let at = first.comparison.verdict === 'fail' ? 0 : -1;
    for (let i = 1; at < 0 && i < 10; i++) {
      const next = judge(x, y, evidence);
      evidence = next.evidence;
      if (next.comparison.verdict === 'fail') {
        at = i;
        expect(failingRows(next.comparison).map((f) => f.metric)).toContain('sequential_5xx');
        expect(next.comparison.sequential?.reason).toMatch(
          /^5xx over this step on Y 20 % vs X 0\.2 % \(always-valid/,
        );
      }
    }
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThanOrEqual(1);
  });

  it('starts afresh at a new step', () => {
    const x = window([r('s', 'a', { '200': 948, '500': 2 })]);
    const y = window([r('s', 'a', { '200': 45, '500': 5 })]);
    const a = judge(x, y, null);
    const b = judge(x, y, a.evidence);
    const fresh = judge(x, y, b.evidence, { ...STEP, stepIndex: 2, weight: 25 });
    expect(fresh.evidence.sequential.yRequests).toBe(50);
    expect(b.evidence.sequential.yRequests).toBe(100);
  });

  it('shows failing routes, the busiest routes and the step evidence in the live message', () => {
    const x = window(
      [r('orders', 'orders-v2', { '200': 9980, '404': 20 }), r('users', 'users', { '200': 20_000 })],
      60,
    );
    const y = window(
      [r('orders', 'orders-v2', { '200': 310, '404': 190 }), r('users', 'users', { '200': 1000 })],
      60,
    );
    const { comparison } = judge(x, y, null);
    expect(comparison.verdict).toBe('fail');
    expect(failingRows(comparison).map((f) => f.reason)).toContain(
      'route orders-v2 (service orders): 404 on Y 38 % vs X 0.2 % (p < 0.001)',
    );
    const text = formatComparison(comparison);
    expect(text).toContain('• ❌ route orders-v2 (service orders): 404 on Y 38 % vs X 0.2 % (p < 0.001)');
    expect(text).toContain('*Busiest routes*: route users (service users) X 20,000 / Y 1,000 req');
    expect(text).toContain('*5xx over this step*: X 0 % · Y 0 % · evidence 1.0 (fails at 400)');
  });

  it('a quantile failed by the previous window, narrowly missed now but failing over both, fails now', () => {
    // Latency in buckets of 50/100/200/400/+Inf ms; 1,000 requests a side per window.
    const timed = (p99Bucket: number): WindowStats => {
      const bounds = [50, 100, 200, 400, Number.POSITIVE_INFINITY];
      // 98 % under 50 ms, the slowest 2 % in the given bucket.
      return {
        seconds: 10,
        requests: 1000,
        status5xx: 0,
        status4xx: 0,
        latencyMetric: 'kong_request_latency_ms',
        latency: bounds.map((le) => ({ le, count: le >= p99Bucket ? 1000 : le >= 50 ? 980 : 0 })),
      };
    };
    const x = timed(100);
    const first = judge(x, timed(400), null);
    // First slow window: shown, held back.
    expect(first.comparison.rows.find((row) => row.metric === 'p99')?.verdict).toBe('warn');
    // The second window on its own is only just under the p99 threshold, but over both windows Y's
    // tail is clearly slower: it fails now, with the two windows' figures.
    const secondAlone = compareWindows(x, timed(140), T);
    expect(secondAlone.rows.find((row) => row.metric === 'p99')?.verdict).not.toBe('fail');
    const second = judge(x, timed(140), first.evidence);
    const p99 = second.comparison.rows.find((row) => row.metric === 'p99');
    expect(p99?.verdict).toBe('fail');
    expect(p99?.reason).toMatch(/over this and the previous window/);
    expect(second.comparison.verdict).toBe('fail');
  });
});
