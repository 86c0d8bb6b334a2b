import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkMetricsSources } from '../../src/engine/check-metrics-sources.js';
import { AppError } from '../../src/errors.js';
import type { MetricsSource } from '../../src/metrics/metrics-source.js';
import {
  createPrometheusMetricsSource,
  parsePrometheusDuration,
  prometheusQueries,
  rawIncrease,
  withSelector,
} from '../../src/metrics/prometheus-metrics-source.js';
import { minimalConfigObject, parseConfigObject, withConfigKey } from '../support/config-fixtures.js';
import { type FakePrometheus, startFakePrometheus } from '../support/fake-prometheus.js';

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
});

// The data paths run against a real Prometheus (metrics-prometheus-real.test.ts); these are the
// error paths, and the pure parts.
describe('prometheus metrics source', () => {
  it('sends raw-sample PromQL with the configured selectors at explicit times, both generations', async () => {
    const { windows, state } = await source().observe(null);
    expect(state).toEqual({ kind: 'prometheus', at: '2025-03-01T12:00:00.000Z' });
    expect(windows?.start.toISOString()).toBe('2025-03-01T11:59:00.000Z');
    const sent = prom.queries.map((q) => q.query);
    expect(sent).toContain('up{cluster="x"}');
    expect(sent).toContain('up{cluster="y"}');
    expect(sent.some((q) => q.includes('increase('))).toBe(false);
    expect(new Set(prom.queries.map((q) => q.time))).toEqual(new Set(['1740830400.000', '1740830340.000']));
    expect(prometheusQueries('{cluster="y"}', 60)).toMatchObject({
      requestsInWindow: '{cluster="y",__name__=~"kong_http_requests_total|kong_http_status"}[60s]',
    });
    expect(prometheusQueries('{cluster="y"}', 60).latency.map((l) => l.inWindow)).toEqual([
      '{cluster="y",__name__="kong_request_latency_ms_bucket"}[60s]',
      '{cluster="y",__name__="kong_upstream_latency_ms_bucket"}[60s]',
      '{cluster="y",__name__="kong_latency_bucket",type="request"}[60s]',
      '{cluster="y",__name__="kong_latency_bucket",type="upstream"}[60s]',
    ]);
    // No target matches: said, and no verdict
    expect(windows?.y.nodes).toEqual({
      total: 0,
      answered: 0,
      failed: ['no Prometheus target matches { cluster="y", }'],
    });
  });

  it('counts raw samples exactly: resets, series born in the window, targets new in the window', () => {
    expect(rawIncrease(100, [110, 130], true)).toBe(30);
    expect(rawIncrease(100, [110, 5, 8], true)).toBe(10 + 5 + 3); // a reset counts its new value
    expect(rawIncrease(undefined, [21, 21], true)).toBe(21); // born in the window on an up target
    expect(rawIncrease(undefined, [5000, 5010], false)).toBe(10); // the target was not up: baseline
    expect(rawIncrease(7, [], true)).toBe(0);
    expect(parsePrometheusDuration('1s')).toBe(1);
    expect(parsePrometheusDuration('1m30s')).toBe(90);
    expect(parsePrometheusDuration('500ms')).toBe(0.5);
    expect(parsePrometheusDuration('soon')).toBeUndefined();
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
    prom.reset();
    prom.failNext(503, 20, { status: 'error', errorType: 'timeout', error: 'query timed out' });
    const error = await expectCode(source().observe(null), 'E_METRICS_UNREACHABLE');
    expect(error.retryable).toBe(true);
  });

  it('refuses a body that is not the API shape', async () => {
    prom.failNext(200, 1, '<html>proxy login</html>');
    await expectCode(source().observe(null), 'E_METRICS_BAD_RESPONSE');
    prom.failNext(200, 4, { status: 'success', data: { resultType: 'matrix', result: [] } });
    await expectCode(source().observe(null), 'E_METRICS_BAD_RESPONSE');
  });

  it('reports an unreachable Prometheus, masking credentials', async () => {
    const error = await expectCode(
      source({ url: 'http://admin:hunter2@127.0.0.1:1', retries: 0 }).observe(null),
      'E_METRICS_UNREACHABLE',
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses a malformed selector', () => {
    expect(() => source({ xSelector: 'cluster="x"' })).toThrow(AppError);
    expect(withSelector('m', '', 'code=~"5.."')).toBe('m{code=~"5.."}');
    expect(withSelector('m', '{a="1"}', 'b="2"')).toBe('m{a="1",b="2"}');
  });
});

describe('checkMetricsSources at start-up', () => {
  it('logs what a prometheus source finds wrong, and nothing for the kong source', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const P = 'environments.prod';
    const config = parseConfigObject(
      withConfigKey(minimalConfigObject(), `${P}.metrics`, {
        source: 'prometheus',
        prometheus: { url: prom.url, xSelector: '{cluster="x"}', ySelector: '{cluster="y"}' },
      }),
    );
    await checkMetricsSources(config, log);
    expect(lines.join('')).toContain('No Prometheus target matches Y');
    lines.length = 0;
    await checkMetricsSources(parseConfigObject(minimalConfigObject()), log);
    expect(lines).toEqual([]);
  });
});
