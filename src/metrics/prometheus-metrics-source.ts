import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { parseJsonAs } from '../parse-json-as.js';
import type { Bucket } from './histogram-quantile.js';
import { describeEndpoint, httpGetText } from './http-get-text.js';
import type { MetricsObservation, MetricsSource, MetricsSourceState } from './metrics-source.js';
import type { WindowStats } from './window-stats.js';

export interface PrometheusMetricsSourceOptions {
  /** Base URL, e.g. http://prometheus:9090 */
  url: string;
  /** Label matchers that pick each cluster's series, e.g. `{cluster="x"}`. */
  xSelector: string;
  ySelector: string;
  /** Window length when there is no previous observation (or it is too old). */
  intervalSeconds: number;
  headers?: Record<string, string>;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  logger?: Logger;
  now?: () => Date;
}

const LATENCY_METRICS = ['kong_request_latency_ms', 'kong_upstream_latency_ms'] as const;
/** A gap longer than this many intervals (a worker was down) is not compared as one window. */
const MAX_GAP_INTERVALS = 10;

const vectorSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector'),
    result: z.array(
      z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }),
    ),
  }),
  warnings: z.array(z.string()).optional(),
});
const errorSchema = z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() });
type VectorSample = z.infer<typeof vectorSchema>['data']['result'][number];

/** Inserts a configured selector (and extra matchers) after a metric name: `m{cluster="x",code=~"5.."}`. */
export function withSelector(metric: string, selector: string, extra = ''): string {
  const trimmed = selector.trim();
  if (trimmed !== '' && !(trimmed.startsWith('{') && trimmed.endsWith('}'))) {
    throw new AppError(
      'E_CONFIG_INVALID',
      `The Prometheus selector ${JSON.stringify(selector)} must look like {cluster="x"}.`,
    );
  }
  const inner = trimmed.slice(1, -1).trim().replace(/,$/, '');
  return `${metric}{${[inner, extra].filter((s) => s !== '').join(',')}}`;
}

/** The PromQL the source runs for one cluster over `range` seconds. */
export function prometheusQueries(selector: string, rangeSeconds: number) {
  const range = `[${rangeSeconds}s]`;
  return {
    requestsByCode: `sum by (code) (increase(${withSelector('kong_http_requests_total', selector)}${range}))`,
    latencyBuckets: LATENCY_METRICS.map(
      (m) => `sum by (le) (increase(${withSelector(`${m}_bucket`, selector)}${range}))`,
    ),
  };
}

/**
 * Reads both clusters from Prometheus's HTTP API (`/api/v1/query` at an explicit `time`), so the
 * window is exactly the time since the previous observation. One query by status code per cluster,
 * one by `le` for the latency histogram (request latency, else upstream latency).
 */
export function createPrometheusMetricsSource(options: PrometheusMetricsSourceOptions): MetricsSource {
  const now = options.now ?? (() => new Date());
  withSelector('m', options.xSelector);
  withSelector('m', options.ySelector);
  const base = options.url.replace(/\/+$/, '');

  async function query(promql: string, at: Date, signal?: AbortSignal): Promise<VectorSample[]> {
    const params = new URLSearchParams({ query: promql, time: (at.getTime() / 1000).toFixed(3) });
    const response = await httpGetText(`${base}/api/v1/query?${params}`, {
      headers: options.headers,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      backoffMs: options.backoffMs,
      signal,
      logger: options.logger,
    });
    const ok = parseJsonAs(vectorSchema, response.body);
    if (response.statusCode === 200 && ok !== undefined) {
      if (ok.warnings?.length) options.logger?.warn({ warnings: ok.warnings, promql }, 'prometheus warnings');
      return ok.data.result;
    }
    const failure = parseJsonAs(errorSchema, response.body);
    const unavailable = response.statusCode >= 500;
    const what = failure
      ? `Prometheus refused the query (${failure.errorType}: ${failure.error.slice(0, 300)})`
      : `Prometheus at ${describeEndpoint(base)} answered HTTP ${response.statusCode} with an unexpected body`;
    throw new AppError(
      unavailable ? 'E_METRICS_UNREACHABLE' : 'E_METRICS_BAD_RESPONSE',
      `${what}. ${unavailable ? 'It will be tried again next interval.' : 'Check metrics.prometheus.url and the selectors in the config.'}`,
      {
        retryable: unavailable,
        details: {
          status: response.statusCode,
          errorType: failure?.errorType ?? null,
          promql,
        },
      },
    );
  }

  async function cluster(
    selector: string,
    rangeSeconds: number,
    at: Date,
    signal?: AbortSignal,
  ): Promise<WindowStats> {
    const queries = prometheusQueries(selector, rangeSeconds);
    const byCode = await query(queries.requestsByCode, at, signal);
    let requests = 0;
    let status5xx = 0;
    let status4xx = 0;
    for (const sample of byCode) {
      const n = numberOf(sample);
      requests += n;
      const code = sample.metric.code ?? '';
      if (code.startsWith('5')) status5xx += n;
      else if (code.startsWith('4')) status4xx += n;
    }
    let latency: Bucket[] = [];
    let latencyMetric: string | null = null;
    for (const [i, promql] of queries.latencyBuckets.entries()) {
      const result = await query(promql, at, signal);
      latency = result
        .map((s) => ({
          le: s.metric.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.metric.le),
          count: numberOf(s),
        }))
        .filter((b) => !Number.isNaN(b.le))
        .sort((a, b) => a.le - b.le);
      if (latency.length > 0) {
        latencyMetric = LATENCY_METRICS[i] ?? null;
        break;
      }
    }
    return { seconds: rangeSeconds, requests, status5xx, status4xx, latency, latencyMetric };
  }

  return {
    kind: 'prometheus',
    async observe(previous: MetricsSourceState | null, signal?: AbortSignal): Promise<MetricsObservation> {
      const end = now();
      const gap = previous?.kind === 'prometheus' ? (end.getTime() - Date.parse(previous.at)) / 1000 : 0;
      const usable = gap >= 1 && gap <= options.intervalSeconds * MAX_GAP_INTERVALS;
      const rangeSeconds = Math.max(1, Math.round(usable ? gap : options.intervalSeconds));
      // Both settle before observe answers: a failed cluster must not leave the other's queries and
      // retries running on after the caller has moved on.
      const [xs, ys] = await Promise.allSettled([
        cluster(options.xSelector, rangeSeconds, end, signal),
        cluster(options.ySelector, rangeSeconds, end, signal),
      ]);
      if (xs.status === 'rejected') throw xs.reason;
      if (ys.status === 'rejected') throw ys.reason;
      const x = xs.value;
      const y = ys.value;
      return {
        windows: { x, y, start: new Date(end.getTime() - rangeSeconds * 1000), end },
        state: { kind: 'prometheus', at: end.toISOString() },
      };
    },
    describe() {
      return `prometheus: query ${describeEndpoint(base)} for X ${options.xSelector} and Y ${options.ySelector}`;
    },
  };
}

/** `increase()` is a float; NaN or ±Inf (a broken series) counts as nothing rather than poisoning sums. */
function numberOf(sample: VectorSample): number {
  const n = Number(sample.value[1]);
  return Number.isFinite(n) && n > 0 ? n : 0;
}
