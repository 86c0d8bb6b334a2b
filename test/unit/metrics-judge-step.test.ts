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

  /** 1,000 requests in 10 s; `cumulative` = requests at or under 25, 50, 100, 200 and 400 ms. */
  const dist = (cumulative: [number, number, number, number, number]): WindowStats => ({
    seconds: 10,
    requests: 1000,
    status5xx: 0,
    status4xx: 0,
    latencyMetric: 'kong_request_latency_ms',
    latency: [
      ...[25, 50, 100, 200, 400].map((le, i) => ({ le, count: cumulative[i] ?? 0 })),
      { le: Number.POSITIVE_INFINITY, count: 1000 },
    ],
  });
  const judgeWith = (x: WindowStats, y: WindowStats, prior: StepEvidence | null) =>
    judgeStep(compareWindows(x, y, T), x, y, x, prior, STEP);
  const row = (c: { rows: { metric: string; verdict: string; reason: string | null }[] }, m: string) =>
    c.rows.find((r) => r.metric === m);

  it("a regression whose second window X's slower tail hid is caught by that window, over both windows", () => {
    const fast = dist([500, 980, 1000, 1000, 1000]);
    const doubled = dist([0, 500, 980, 1000, 1000]); // Y twice as slow, the whole distribution
    const first = judgeWith(fast, doubled, null);
    expect(row(first.comparison, 'p95')?.verdict).toBe('warn'); // first slow window: held back
    // X's tail is slower in the second window: Y's p95 alone passes the limit narrowly (×1.22), but
    // Y's median is still twice X's and over both windows Y's p95 is ×1.5.
    const slowerX = dist([500, 880, 1000, 1000, 1000]);
    expect(row(compareWindows(slowerX, doubled, T), 'p95')?.verdict).not.toBe('fail');
    const second = judgeWith(slowerX, doubled, first.evidence);
    expect(row(second.comparison, 'p95')?.verdict).toBe('fail');
    expect(row(second.comparison, 'p95')?.reason).toMatch(/over this and the previous window/);
    expect(second.comparison.verdict).toBe('fail');
  });

  it('one slow spell on Y followed by a clean window posts no rollback gate', () => {
    const fast = dist([500, 980, 1000, 1000, 1000]);
    const spell = dist([500, 947, 967, 967, 1000]); // 3.3 % of Y's requests slowed to ~300 ms
    const first = judgeWith(fast, spell, null);
    expect(row(first.comparison, 'p99')?.verdict).toBe('warn');
    const second = judgeWith(fast, fast, first.evidence);
    expect(second.comparison.verdict).toBe('pass');
  });

  it('feedSequential says a failure once, when the 5xx test starts failing', async () => {
    const { feedSequential } = await import('../../src/metrics/judge-step.js');
    const x = window([r('s', 'a', { '200': 2850, '500': 0 })]);
    const y = window([r('s', 'a', { '200': 105, '500': 45 })]);
    const first = feedSequential(null, x, y, STEP, T.maxErrorRateIncrease);
    expect(first.failing).toMatch(/always-valid test/);
    expect(first.newlyFailing).toBe(true);
    const second = feedSequential(first.evidence, x, y, STEP, T.maxErrorRateIncrease);
    expect(second.failing).not.toBeNull();
    expect(second.newlyFailing).toBe(false);
    // A new step starts afresh: its first failure is new again.
    const nextStep = feedSequential(second.evidence, x, y, { ...STEP, stepIndex: 2, weight: 25 }, 0.005);
    expect(nextStep.newlyFailing).toBe(true);
  });
});
