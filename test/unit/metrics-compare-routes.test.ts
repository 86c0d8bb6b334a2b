import { describe, expect, it } from 'vitest';
import { busiestRoutes, compareRoutes, failingRoutes } from '../../src/metrics/compare-routes.js';
import { compareWindows, failingRows } from '../../src/metrics/compare-windows.js';
import type { RouteWindow, WindowStats } from '../../src/metrics/window-stats.js';

const OPTIONS = { alpha: 0.01, margin: 0.005 };

function route(
  service: string,
  name: string,
  codes: Record<string, number>,
  workspace = 'default',
): RouteWindow {
  return { workspace, service, route: name, codes, latency: [] };
}

function window(routes: RouteWindow[]): WindowStats {
  let requests = 0;
  let status5xx = 0;
  let status4xx = 0;
  for (const r of routes)
    for (const [code, n] of Object.entries(r.codes)) {
      requests += n;
      if (code.startsWith('5')) status5xx += n;
      if (code.startsWith('4')) status4xx += n;
    }
  return { seconds: 60, requests, status5xx, status4xx, latency: [], latencyMetric: null, routes };
}

const T = {
  maxErrorRateIncrease: 0.005,
  maxP95LatencyRatio: 1.25,
  maxP99LatencyRatio: 1.5,
  minRequests: 200,
};

describe('compareRoutes', () => {
  it('fails a route whose 404s rise on Y while it answers on X, naming it with both figures', () => {
    const x = [
      route('orders', 'orders-v2', { '200': 9980, '404': 20 }),
      route('users', 'users', { '200': 20_000 }),
    ];
    const y = [
      route('orders', 'orders-v2', { '200': 310, '404': 190 }),
      route('users', 'users', { '200': 1000 }),
    ];
    const rows = compareRoutes(x, y, OPTIONS);
    const failing = failingRoutes(rows);
    expect(failing.map((r) => r.label)).toEqual(['route orders-v2 (service orders)']);
    expect(failing[0]?.reason).toBe('route orders-v2 (service orders): 404 on Y 38 % vs X 0.2 % (p < 0.001)');
    expect(rows.find((r) => r.route === 'users')?.verdict).toBe('pass');
  });

  it('fails a route on 5xx, and the whole comparison with it, although the cluster 5xx row passes', () => {
    const others = Array.from({ length: 20 }, (_, i) => i);
    const x = [
      route('pay', 'refunds', { '200': 2000, '500': 2 }),
      ...others.map((i) => route(`s${i}`, `r${i}`, { '200': 9990, '500': 10 })),
    ];
    const y = [
      route('pay', 'refunds', { '200': 80, '500': 20 }),
      ...others.map((i) => route(`s${i}`, `r${i}`, { '200': 500, '500': 0 })),
    ];
    const c = compareWindows(window(x), window(y), T);
    expect(c.rows.find((r) => r.metric === 'ratio_5xx')?.verdict).not.toBe('fail');
    expect(c.verdict).toBe('fail');
    expect(failingRows(c)).toEqual([
      expect.objectContaining({
        metric: 'route',
        reason: 'route refunds (service pay): 5xx on Y 20 % vs X 0.1 % (p < 0.001)',
      }),
    ]);
  });

  it('corrects for the number of routes: one p-value that would pass alone fails to survive 100 tests', () => {
    // Y 9 of 200 errors vs X 0 of 10,000 on one route: p ≈ 0.002, below α/2 (one route, two tests).
    const one = compareRoutes(
      [route('a', 'a', { '200': 10_000 })],
      [route('a', 'a', { '200': 191, '500': 9 })],
      OPTIONS,
    );
    const p = one[0]?.p5xx ?? 1;
    expect(p).toBeLessThan(0.005);
    expect(p).toBeGreaterThan(0.01 / 100);
    expect(one[0]?.verdict).toBe('fail');
    const many = Array.from({ length: 50 }, (_, i) => i);
    const rows = compareRoutes(
      [route('a', 'a', { '200': 10_000 }), ...many.map((i) => route('s', `r${i}`, { '200': 1000 }))],
      [route('a', 'a', { '200': 191, '500': 9 }), ...many.map((i) => route('s', `r${i}`, { '200': 100 }))],
      OPTIONS,
    );
    expect(rows.find((r) => r.route === 'a')?.p5xx).toBeCloseTo(p, 12);
    expect(failingRoutes(rows)).toEqual([]);
  });

  it('pools routes too small to judge alone into "other routes", and fails the pool naming its worst routes', () => {
    const small = Array.from({ length: 10 }, (_, i) => i);
    const x = [
      route('big', 'big', { '200': 50_000 }),
      ...small.map((i) => route('s', `tiny${i}`, { '200': 500 })),
    ];
    const y = [
      route('big', 'big', { '200': 2000 }),
      ...small.map((i) => route('s', `tiny${i}`, i < 3 ? { '200': 4, '500': 15 } : { '200': 19 })),
    ];
    const rows = compareRoutes(x, y, OPTIONS);
    expect(rows.map((r) => [r.kind, r.label])).toEqual([
      ['route', 'route big (service big)'],
      ['other', 'other routes (10)'],
    ]);
    const pool = rows[1];
    expect(pool?.y).toEqual({ requests: 190, status5xx: 45, status404: 0 });
    expect(pool?.verdict).toBe('fail');
    expect(pool?.reason).toMatch(
      /^other routes \(10\): 5xx on Y 23\.7 % vs X 0 % \(p < 0\.001\); most on Y: route tiny0 \(service s\) 15 of 19, route tiny1/,
    );
  });

  it('keeps a pool too small to judge as not enough data, without holding the comparison back', () => {
    const rows = compareRoutes(
      [route('a', 'a', { '200': 900 }), route('b', 'b', { '200': 10 })],
      [route('a', 'a', { '200': 300 }), route('b', 'b', { '200': 3 })],
      OPTIONS,
    );
    expect(rows.map((r) => [r.label, r.verdict])).toEqual([
      ['route a (service a)', 'pass'],
      ['other routes (1)', 'insufficient_data'],
    ]);
    expect(rows[1]?.reason).toContain('too few requests to judge (X 10, Y 3; need 20 on each)');
  });

  it('treats requests no route matched as their own row: a rise on Y fails as such', () => {
    const x = [route('a', 'a', { '200': 20_000 }), route('', '', { '404': 20 })];
    const y = [route('a', 'a', { '200': 900 }), route('', '', { '404': 100 })];
    const rows = compareRoutes(x, y, OPTIONS);
    const unmatched = rows.find((r) => r.kind === 'unmatched');
    expect(unmatched?.x).toEqual({ requests: 20_020, status5xx: 0, status404: 20 });
    expect(unmatched?.verdict).toBe('fail');
    expect(unmatched?.reason).toBe('no route matched: share of requests on Y 10 % vs X 0.1 % (p < 0.001)');
    // The unmatched requests are not some route's: route a itself passes.
    expect(rows.find((r) => r.route === 'a')?.verdict).toBe('pass');
  });

  it('passes unmatched requests at the same share on both sides', () => {
    const rows = compareRoutes(
      [route('a', 'a', { '200': 19_800 }), route('', '', { '404': 200 })],
      [route('a', 'a', { '200': 990 }), route('', '', { '404': 10 })],
      OPTIONS,
    );
    expect(rows.find((r) => r.kind === 'unmatched')?.verdict).toBe('pass');
  });

  it('names the workspace when it is not the default one, and lists the busiest routes', () => {
    const rows = compareRoutes(
      [route('s', 'r', { '200': 100 }, 'team-a'), route('s', 'big', { '200': 1000 })],
      [route('s', 'r', { '200': 100 }, 'team-a'), route('s', 'big', { '200': 1000 })],
      OPTIONS,
    );
    expect(busiestRoutes(rows).map((r) => r.label)).toEqual([
      'route big (service s)',
      'route r (service s, workspace team-a)',
    ]);
  });

  it('leaves windows without a route breakdown (stored by older versions) as they were', () => {
    const x = { ...window([route('a', 'a', { '200': 1000 })]) };
    delete x.routes;
    const c = compareWindows(x, window([route('a', 'a', { '200': 1000 })]), T);
    expect(c.routes).toBeUndefined();
    expect(compareWindows(window([route('a', 'a', { '200': 1000 })]), window([]), T).routes).toEqual([
      expect.objectContaining({ label: 'other routes (1)', verdict: 'insufficient_data' }),
    ]);
  });
});
