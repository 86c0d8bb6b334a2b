import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { compareWindows } from '../../src/metrics/compare-windows.js';
import { createPrometheusMetricsSource } from '../../src/metrics/prometheus-metrics-source.js';
import {
  type FakeKongMetricsServer,
  type FakeKongNode,
  kongExposition,
  kongExposition28,
  startFakeKongMetrics,
} from '../support/fake-kong-metrics.js';
import { type RealPrometheus, startRealPrometheus } from '../support/real-prometheus.js';

// The prometheus source against Debian's real Prometheus, scraping Kong nodes every second:
// X on Kong 2.8 (one node), Y on 3.9 (two nodes), a dead target, and a target without Kong series.
const T = {
  maxErrorRateIncrease: 0.005,
  maxP95LatencyRatio: 1.25,
  maxP99LatencyRatio: 1.5,
  minRequests: 200,
};
let x1: FakeKongMetricsServer;
let y1: FakeKongMetricsServer;
let y2: FakeKongMetricsServer;
let bare: FakeKongMetricsServer;
let prom: RealPrometheus;

const node = (ok: number, errors: number, ms: number[]): FakeKongNode => ({
  requests: [
    { service: 'orders', route: 'orders-route', code: 200, count: ok },
    ...(errors > 0 ? [{ service: 'orders', route: 'orders-route', code: 503, count: errors }] : []),
  ],
  latency: [{ service: 'orders', route: 'orders-route', observations: ms }],
});
const many = (n: number, ms: number) => Array<number>(n).fill(ms);
const address = (s: FakeKongMetricsServer) => new URL(s.url).host;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function source(over: { x?: string; y?: string; intervalSeconds?: number; now?: () => Date } = {}) {
  return createPrometheusMetricsSource({
    url: prom.url,
    xSelector: over.x ?? '{cluster="x"}',
    ySelector: over.y ?? '{cluster="y"}',
    intervalSeconds: over.intervalSeconds ?? 4,
    retries: 0,
    ...(over.now ? { now: over.now } : {}),
  });
}

beforeAll(async () => {
  [x1, y1, y2, bare] = await Promise.all([
    startFakeKongMetrics(kongExposition28(node(5000, 5, many(300, 40)))),
    startFakeKongMetrics(kongExposition(node(100, 0, many(100, 40)))),
    startFakeKongMetrics(kongExposition(node(100, 0, many(100, 40)))),
    startFakeKongMetrics('# TYPE kong_datastore_reachable gauge\nkong_datastore_reachable 1\n'),
  ]);
  prom = await startRealPrometheus([
    { address: address(x1), labels: { cluster: 'x' } },
    { address: address(y1), labels: { cluster: 'y' } },
    { address: address(y2), labels: { cluster: 'y' } },
    { address: '127.0.0.1:1', labels: { cluster: 'dead' } },
    { address: address(bare), labels: { cluster: 'bare' } },
  ]);
}, 40_000);

afterAll(async () => {
  await prom?.close();
  await Promise.all([x1, y1, y2, bare].map((s) => s?.close()));
});

describe('prometheus source against a real Prometheus', () => {
  it("reads 2.8 and 3.x names exactly, counts a fresh Y's first errors in full, and keeps routes", async () => {
    await sleep(1500); // a few scrapes of the starting values
    const start = new Date();
    await sleep(1200); // the start value is scraped before anything changes
    x1.setBody(kongExposition28(node(5000 + 1200, 5 + 3, [...many(300, 40), ...many(1203, 40)])));
    // Y's first 503s: a series born inside the window (increase() counted 21 as 7.8 here)
    y1.setBody(kongExposition(node(100 + 150, 21, [...many(100, 40), ...many(171, 40)])));
    y2.setBody(kongExposition(node(100 + 90, 0, [...many(100, 40), ...many(90, 40)])));
    await sleep(2500);
    const end = new Date();
    const observed = await source({ now: () => end }).observe({
      kind: 'prometheus',
      at: start.toISOString(),
    });
    const w = observed.windows;
    if (!w) throw new Error('expected windows');
    expect(w.x).toMatchObject({
      requests: 1203,
      status5xx: 3,
      latencyMetric: 'kong_latency{type="request"}',
    });
    expect(w.x.nodes).toEqual({ total: 1, answered: 1, failed: [] });
    expect(w.y).toMatchObject({
      requests: 150 + 21 + 90,
      status5xx: 21,
      latencyMetric: 'kong_request_latency_ms',
    });
    expect(w.y.nodes).toEqual({ total: 2, answered: 2, failed: [] });
    expect(w.y.latency.at(-1)?.count).toBe(171 + 90);
    expect(w.y.routes).toEqual([
      expect.objectContaining({
        workspace: 'default',
        route: 'orders-route',
        codes: { '200': 240, '503': 21 },
      }),
    ]);
    expect(compareWindows(w.x, w.y, { ...T, minRequests: 100 }).verdict).toBe('fail');
  });

  it('refuses a window shorter than twice the scrape interval, saying why', async () => {
    const error = await source({ intervalSeconds: 1 })
      .observe(null)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('E_CONFIG_INVALID');
    expect((error as AppError).message).toContain("shorter than twice Prometheus' scrape interval");
    expect((error as AppError).message).toContain('at least 2');
    // Said at start-up too (the bot logs what check() finds), and nothing when the settings work.
    const problems = await source({ intervalSeconds: 1, y: '{cluster="nobdy"}' }).check?.();
    expect(problems).toEqual([
      expect.stringContaining("shorter than twice Prometheus' scrape interval of X's targets (1 s)"),
      'No Prometheus target matches Y\'s selector {cluster="nobdy"}.',
    ]);
    expect(await source().check?.()).toEqual([]);
  });

  it('a dead Y, a selector matching nothing and a target without Kong series are named, never zero traffic', async () => {
    const check = async (y: string, expected: string) => {
      const { windows } = await source({ y }).observe(null);
      if (!windows) throw new Error('expected windows');
      expect(windows.y.nodes?.answered).toBe(0);
      expect(windows.y.nodes?.failed.join('; ')).toContain(expected);
      const c = compareWindows(windows.x, windows.y, { ...T, minRequests: 0 });
      expect(c.verdict).toBe('insufficient_data');
      expect(c.coverage?.join(' ')).toContain(expected);
    };
    await check('{cluster="dead"}', '127.0.0.1:1 (down in Prometheus)');
    await check('{cluster="nobdy"}', 'no Prometheus target matches {cluster="nobdy"}');
    await check(
      '{cluster="bare"}',
      'no kong_http_requests_total or kong_http_status series match {cluster="bare"}',
    );
  });
});
