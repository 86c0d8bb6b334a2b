import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { compareWindows } from '../../src/metrics/compare-windows.js';
import type { MetricsSource } from '../../src/metrics/metrics-source.js';
import { createPrometheusMetricsSource, withSelector } from '../../src/metrics/prometheus-metrics-source.js';
import { quantileOf } from '../../src/metrics/window-stats.js';
import { type FakePrometheus, startFakePrometheus } from '../support/fake-prometheus.js';

const LATENCY = { '25': 10, '50': 40, '80': 70, '100': 85, '250': 97, '400': 99, '700': 100, '+Inf': 100 };
let prom: FakePrometheus;
let clock: Date;

function source(overrides: Partial<Parameters<typeof createPrometheusMetricsSource>[0]> = {}): MetricsSource {
  return createPrometheusMetricsSource({
    url: `${prom.url}/`,
    xSelector: '{cluster="x"}',
    ySelector: '{ cluster="y", }',
    intervalSeconds: 60,
    retries: 1,
    backoffMs: 5,
    now: () => clock,
    ...overrides,
  });
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

beforeAll(async () => {
  prom = await startFakePrometheus();
});
afterAll(async () => {
  await prom.close();
});
beforeEach(() => {
  prom.reset();
  clock = new Date('2025-03-01T12:00:00.000Z');
  prom.setCluster('cluster="x"', {
    requestsPerSecondByCode: { '200': 180, '404': 9.6, '500': 0.4 },
    requestLatencyPerSecond: Object.fromEntries(Object.entries(LATENCY).map(([k, v]) => [k, v * 1.9])),
  });
  prom.setCluster('cluster="y"', {
    requestsPerSecondByCode: { '200': 9.4, '503': 0.6 },
    upstreamLatencyPerSecond: Object.fromEntries(Object.entries(LATENCY).map(([k, v]) => [k, v * 0.1])),
  });
});

describe('prometheus metrics source', () => {
  it('sends PromQL with the configured selectors at an explicit time, and builds both windows', async () => {
    const { windows, state } = await source().observe(null);
    if (!windows) throw new Error('expected windows');
    expect(state).toEqual({ kind: 'prometheus', at: '2025-03-01T12:00:00.000Z' });
    expect(windows?.start.toISOString()).toBe('2025-03-01T11:59:00.000Z');
    expect(prom.queries.map((q) => q.query).sort()).toEqual(
      [
        'sum by (code) (increase(kong_http_requests_total{cluster="x"}[60s]))',
        'sum by (code) (increase(kong_http_requests_total{cluster="y"}[60s]))',
        'sum by (le) (increase(kong_request_latency_ms_bucket{cluster="x"}[60s]))',
        'sum by (le) (increase(kong_request_latency_ms_bucket{cluster="y"}[60s]))',
        'sum by (le) (increase(kong_upstream_latency_ms_bucket{cluster="y"}[60s]))',
      ].sort(),
    );
    expect(new Set(prom.queries.map((q) => q.time))).toEqual(new Set(['1740830400.000']));
    const x = windows?.x;
    expect(x).toMatchObject({ seconds: 60, latencyMetric: 'kong_request_latency_ms' });
    expect(x?.requests).toBeCloseTo(190 * 60, 6);
    expect(x?.status5xx).toBeCloseTo(24, 6);
    expect(x?.status4xx).toBeCloseTo(576, 6);
    expect(quantileOf(windows.x, 0.95)).toBeCloseTo(100 + 150 * (10 / 12), 6);
    expect(windows?.y).toMatchObject({ latencyMetric: 'kong_upstream_latency_ms' });
    expect(windows?.y.status5xx).toBeCloseTo(36, 6);
    expect(windows?.y.latency.at(-1)).toEqual({
      le: Number.POSITIVE_INFINITY,
      count: expect.closeTo(600, 6),
    });
    // Y's 0.6/s of 503s against X's 0.2 %: a failure.
    expect(
      compareWindows(windows.x, windows.y, {
        maxErrorRateIncrease: 0.005,
        maxP95LatencyRatio: 1.25,
        maxP99LatencyRatio: 1.5,
        minRequests: 200,
      }).verdict,
    ).toBe('fail');
  });

  it('makes the next window span exactly the time since the previous one', async () => {
    const src = source();
    const first = await src.observe(null);
    clock = new Date(clock.getTime() + 75_000);
    prom.queries.length = 0;
    const second = await src.observe(first.state);
    expect(prom.queries[0]?.query).toContain('[75s]');
    expect(second.windows?.x.requests).toBeCloseTo(190 * 75, 6);
    expect(second.windows?.start.toISOString()).toBe(first.state.kind === 'prometheus' ? first.state.at : '');
    // A gap of hours (a worker was down) is not one window: back to the interval.
    clock = new Date(clock.getTime() + 3 * 3600_000);
    prom.queries.length = 0;
    await src.observe(second.state);
    expect(prom.queries[0]?.query).toContain('[60s]');
  });

  it('turns the Prometheus error shape into E_METRICS_BAD_RESPONSE without retrying', async () => {
    prom.failNext(400, 1, { status: 'error', errorType: 'bad_data', error: 'parse error at char 12' });
    const error = await expectCode(source().observe(null), 'E_METRICS_BAD_RESPONSE');
    expect(error.message).toContain('bad_data: parse error at char 12');
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ status: 400, errorType: 'bad_data' });
  });

  it('retries 503 once, then reports E_METRICS_UNREACHABLE as retryable', async () => {
    prom.failNext(503, 1, { status: 'error', errorType: 'unavailable', error: 'busy' });
    await expect(source().observe(null)).resolves.toMatchObject({ windows: { x: { seconds: 60 } } });
    prom.failNext(503, 20, { status: 'error', errorType: 'timeout', error: 'query timed out' });
    const error = await expectCode(source().observe(null), 'E_METRICS_UNREACHABLE');
    expect(error.retryable).toBe(true);
  });

  it('refuses a body that is not the API shape', async () => {
    prom.failNext(200, 1, '<html>proxy login</html>');
    await expectCode(source().observe(null), 'E_METRICS_BAD_RESPONSE');
    prom.failNext(200, 1, { status: 'success', data: { resultType: 'matrix', result: [] } });
    await expectCode(source().observe(null), 'E_METRICS_BAD_RESPONSE');
  });

  it('reports an unreachable Prometheus, masking credentials', async () => {
    const error = await expectCode(
      source({ url: 'http://admin:hunter2@127.0.0.1:1', retries: 0 }).observe(null),
      'E_METRICS_UNREACHABLE',
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('gives empty windows for clusters without data, and refuses a malformed selector', async () => {
    const { windows } = await source({ ySelector: '{cluster="nobody"}' }).observe(null);
    expect(windows?.y).toMatchObject({ requests: 0, latency: [], latencyMetric: null });
    expect(() => source({ xSelector: 'cluster="x"' })).toThrow(AppError);
    expect(withSelector('m', '', 'code=~"5.."')).toBe('m{code=~"5.."}');
    expect(withSelector('m', '{a="1"}', 'b="2"')).toBe('m{a="1",b="2"}');
  });
});
