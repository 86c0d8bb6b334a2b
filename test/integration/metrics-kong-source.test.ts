import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { compareWindows } from '../../src/metrics/compare-windows.js';
import {
  createKongMetricsSource,
  type KongMetricsSourceOptions,
} from '../../src/metrics/kong-metrics-source.js';
import { metricsSourceStateSchema } from '../../src/metrics/metrics-source.js';
import { quantileOf } from '../../src/metrics/window-stats.js';
import {
  type FakeKongMetricsServer,
  type FakeKongNode,
  kongExposition,
  startFakeKongMetrics,
} from '../support/fake-kong-metrics.js';

let x1: FakeKongMetricsServer;
let x2: FakeKongMetricsServer;
let y1: FakeKongMetricsServer;
let clock: Date;
const T = {
  maxErrorRateIncrease: 0.005,
  maxP95LatencyRatio: 1.25,
  maxP99LatencyRatio: 1.5,
  minRequests: 200,
};

const node = (ok: number, errors: number, latencies: number[]): FakeKongNode => ({
  requests: [
    { service: 'orders', route: 'orders-route', code: 200, count: ok },
    ...(errors > 0 ? [{ service: 'orders', route: 'orders-route', code: 500, count: errors }] : []),
  ],
  latency: [{ service: 'orders', route: 'orders-route', observations: latencies }],
});
const many = (n: number, ms: number) => Array<number>(n).fill(ms);

function source(overrides: Partial<KongMetricsSourceOptions> = {}) {
  return createKongMetricsSource({
    x: { metricsUrls: [x1.url, x2.url] },
    y: { metricsUrls: [y1.url], headers: { 'kong-admin-token': 'secret-token' } },
    retries: 1,
    backoffMs: 5,
    timeoutMs: 2000,
    now: () => clock,
    ...overrides,
  });
}

beforeAll(async () => {
  [x1, x2, y1] = await Promise.all([startFakeKongMetrics(), startFakeKongMetrics(), startFakeKongMetrics()]);
});
afterAll(async () => {
  await Promise.all([x1.close(), x2.close(), y1.close()]);
});
beforeEach(() => {
  clock = new Date('2025-03-01T12:00:00.000Z');
  x1.setBody(kongExposition(node(1000, 2, many(300, 60))));
  x2.setBody(kongExposition(node(2000, 4, many(300, 60))));
  y1.setBody(kongExposition(node(10, 0, many(10, 60))));
  x1.setDelay(0);
});

describe('kong metrics source', () => {
  it('sets a baseline first, then makes windows from two scrapes summed over nodes', async () => {
    const src = source();
    const first = await src.observe(null);
    expect(first.windows).toBeNull();
    expect(y1.requests.at(-1)).toMatchObject({ method: 'GET', path: '/metrics' });
    expect(y1.requests.at(-1)?.headers['kong-admin-token']).toBe('secret-token');

    // The state goes through JSON (the compare job stores it), as after a worker restart.
    const stored = metricsSourceStateSchema.parse(JSON.parse(JSON.stringify(first.state)));
    clock = new Date(clock.getTime() + 60_000);
    x1.setBody(kongExposition(node(1000 + 5700, 2 + 11, many(300 + 5700, 60))));
    x2.setBody(kongExposition(node(2000 + 5700, 4 + 12, many(300 + 5700, 60))));
    y1.setBody(kongExposition(node(10 + 580, 20, [...many(10, 60), ...many(600, 700)])));
    const second = await src.observe(stored);
    const w = second.windows;
    if (!w) throw new Error('expected windows');
    expect(w.end.getTime() - w.start.getTime()).toBe(60_000);
    expect(w.x).toMatchObject({
      seconds: 60,
      requests: 11_400 + 23,
      status5xx: 23,
      latencyMetric: 'kong_request_latency_ms',
    });
    expect(w.y).toMatchObject({ requests: 600, status5xx: 20 });
    // 60 ms creates no bucket below 80; the omitted le=50 is put back, so (50, 80]: 50 + 30 × 0.95.
    expect(quantileOf(w.x, 0.95)).toBeCloseTo(78.5, 6);
    expect(w.x.nodes).toEqual({ total: 2, answered: 2, failed: [] });
    const comparison = compareWindows(w.x, w.y, T);
    expect(comparison.verdict).toBe('fail');
    expect(comparison.rows.filter((r) => r.verdict === 'fail').map((r) => r.metric)).toEqual([
      'ratio_5xx',
      'p95',
      'p99',
    ]);
  });

  it('keeps going when one node of a cluster is down, naming it, and names every node when all are', async () => {
    x2.failNext(500, 5);
    const snapshot = await source().scrape('x');
    expect(Object.keys(snapshot.nodes)).toHaveLength(1);
    expect(snapshot).toMatchObject({ total: 2, unreachable: [`${x2.url} (HTTP 500)`] });
    y1.failNext(502, 2);
    const none = await source().scrape('y');
    expect(none).toMatchObject({ nodes: {}, total: 1, unreachable: [`${y1.url} (HTTP 502)`] });
  });

  it('retries a 503 and then succeeds', async () => {
    const before = y1.requests.length;
    y1.failNext(503, 1);
    const snapshot = await source().scrape('y');
    expect(Object.keys(snapshot.nodes)).toHaveLength(1);
    expect(y1.requests.length - before).toBe(2);
  });

  it('reports a 404 and an HTML page as E_METRICS_BAD_RESPONSE, without retrying the 404', async () => {
    const before = y1.requests.length;
    y1.failNext(404, 1, '{"message":"Not found"}');
    const notFound = await source().scrape('y');
    expect(notFound.unreachable).toEqual([
      `${y1.url} (HTTP 404: check the URL and that the prometheus plugin is enabled)`,
    ]);
    expect(y1.requests.length - before).toBe(1);
    y1.setBody('<html><body>Please log in</body></html>');
    const html = await source().scrape('y');
    expect(html.unreachable).toEqual([`${y1.url} (not a Prometheus exposition)`]);
  });

  it('times out a node that does not answer, naming it without its password', async () => {
    x1.setDelay(1500);
    const src = source({
      x: { metricsUrls: [x1.url.replace('http://', 'http://u:pw123@')] },
      timeoutMs: 200,
      retries: 0,
    });
    const started = Date.now();
    const snapshot = await src.scrape('x');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(snapshot.unreachable).toHaveLength(1);
    expect(snapshot.unreachable[0]).toContain('(timed out)');
    expect(snapshot.unreachable[0]).not.toContain('pw123');
  });

  it('scrapes many slow nodes at once: one timeout per interval, not one per node', async () => {
    x1.setDelay(1500);
    const urls = Array.from({ length: 50 }, (_, i) => `${x1.url}?node=${i}`);
    const started = Date.now();
    const snapshot = await source({ x: { metricsUrls: urls }, timeoutMs: 300, retries: 2 }).scrape('x');
    expect(Date.now() - started).toBeLessThan(1200);
    expect(snapshot).toMatchObject({ nodes: {}, total: 50 });
    expect(snapshot.unreachable).toHaveLength(50);
  });

  it('says why each node failed, judged when it failed', async () => {
    x1.setDelay(1500);
    x2.failNext(500, 5);
    const snapshot = await source({ timeoutMs: 300, retries: 0 }).scrape('x');
    expect(snapshot.unreachable).toEqual([`${x1.url} (timed out)`, `${x2.url} (HTTP 500)`]);
  });

  it("sends the admin token only to metrics URLs under the cluster's adminUrl", async () => {
    const origin = new URL(y1.url).origin;
    const src = source({
      y: {
        metricsUrls: [y1.url, x1.url],
        adminUrl: origin,
        headers: { 'Kong-Admin-Token': 'secret-token' },
      },
    });
    const [y0, x0] = [y1.requests.length, x1.requests.length];
    await src.scrape('y');
    expect(y1.requests.slice(y0).map((r) => r.headers['kong-admin-token'])).toEqual(['secret-token']);
    expect(x1.requests.slice(x0).map((r) => r.headers['kong-admin-token'])).toEqual([undefined]);
  });

  it('honours the caller signal', async () => {
    x1.setDelay(1500);
    const controller = new AbortController();
    const pending = source({ x: { metricsUrls: [x1.url] }, retries: 0 }).scrape('x', controller.signal);
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await expect(pending).rejects.toBeInstanceOf(AppError);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
