import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { parseJsonAs } from '../parse-json-as.js';
import { DEFAULT_WORKSPACE, routeKey, routeLabelsOf } from './cluster-snapshot.js';
import type { Bucket } from './histogram-quantile.js';
import { describeEndpoint, httpGetText } from './http-get-text.js';
import { completeKongBuckets, kongBucketSet } from './kong-latency-buckets.js';
import type { MetricsObservation, MetricsSource, MetricsSourceState } from './metrics-source.js';
import { settleAll } from './settle-all.js';
import { type NodeCoverage, type RouteWindow, sumHistograms, type WindowStats } from './window-stats.js';

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

/** Requests by code in both generations: 3.x, then Kong 2.8. */
const REQUEST_METRICS = ['kong_http_requests_total', 'kong_http_status'] as const;
/** Latency histograms in order of preference, both generations: [bot's name, bucket series matcher]. */
const LATENCY_QUERIES = [
  ['kong_request_latency_ms', '__name__="kong_request_latency_ms_bucket"'],
  ['kong_upstream_latency_ms', '__name__="kong_upstream_latency_ms_bucket"'],
  ['kong_latency{type="request"}', '__name__="kong_latency_bucket",type="request"'],
  ['kong_latency{type="upstream"}', '__name__="kong_latency_bucket",type="upstream"'],
] as const;
/** A gap longer than this many intervals (a worker was down) is not compared as one window. */
const MAX_GAP_INTERVALS = 10;

const sampleValue = z.tuple([z.number(), z.string()]);
const resultSchema = <T extends z.ZodType>(resultType: string, item: T) =>
  z.object({
    status: z.literal('success'),
    data: z.object({ resultType: z.literal(resultType), result: z.array(item) }),
    warnings: z.array(z.string()).optional(),
  });
const vectorSchema = resultSchema(
  'vector',
  z.object({ metric: z.record(z.string(), z.string()), value: sampleValue }),
);
const matrixSchema = resultSchema(
  'matrix',
  z.object({ metric: z.record(z.string(), z.string()), values: z.array(sampleValue) }),
);
const targetsSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    activeTargets: z.array(
      z.object({ labels: z.record(z.string(), z.string()), scrapeInterval: z.string().optional() }),
    ),
  }),
});
const errorSchema = z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() });
type VectorSample = z.infer<typeof vectorSchema>['data']['result'][number];
type MatrixSeries = z.infer<typeof matrixSchema>['data']['result'][number];

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

/** The PromQL the source runs for one cluster over `range` seconds (raw samples, no `increase()`). */
export function prometheusQueries(selector: string, rangeSeconds: number) {
  const range = `[${rangeSeconds}s]`;
  const requests = withSelector('', selector, `__name__=~"${REQUEST_METRICS.join('|')}"`);
  return {
    up: withSelector('up', selector),
    requestsAtStart: requests,
    requestsInWindow: `${requests}${range}`,
    latency: LATENCY_QUERIES.map(([name, matcher]) => {
      const s = withSelector('', selector, matcher);
      return { name, atStart: s, inWindow: `${s}${range}` };
    }),
  };
}

/** Prometheus durations as the targets API writes them: `1s`, `15s`, `1m30s`, `500ms`. */
export function parsePrometheusDuration(text: string): number | undefined {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let seconds = 0;
  let rest = text;
  while (rest.length > 0) {
    const m = /^(\d+)(ms|s|m|h|d|w|y)/.exec(rest);
    if (!m) return undefined;
    seconds += Number(m[1]) * (units[m[2] ?? ''] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return text.length > 0 ? seconds : undefined;
}

/**
 * Exact counter increases from raw samples, per series: the value at the window's start (the last
 * sample before it), then every sample inside it. A decrease is a reset (the new value counts in
 * full). A series absent at the start on a target that was up then was created by Kong inside the
 * window (on first use, e.g. the first 503 of a fresh Y): it counts from 0, where `increase()` would
 * drop its first count. On a target that was not up at the start, the first sample is the baseline.
 */
export function rawIncrease(
  atStart: number | undefined,
  samples: readonly number[],
  targetWasUp: boolean,
): number {
  const values = [...(atStart !== undefined ? [atStart] : targetWasUp ? [0] : []), ...samples];
  let total = 0;
  for (let i = 1; i < values.length; i++) {
    const a = values[i - 1] ?? 0;
    const b = values[i] ?? 0;
    total += b >= a ? b - a : b;
  }
  return total;
}

/**
 * Reads both clusters from Prometheus's HTTP API (`/api/v1/query` at an explicit `time`), so the
 * window is exactly the time since the previous observation. Raw counter samples are read at both
 * ends (not `increase()`, which extrapolates and drops the first count of a series born in the
 * window), in both exposition generations, and kept per route. `up{selector}` says which targets
 * answered: a dead target is named (no pass), and a selector matching nothing is said, never read
 * as zero traffic. A window shorter than twice the targets' scrape interval is refused.
 */
export function createPrometheusMetricsSource(options: PrometheusMetricsSourceOptions): MetricsSource {
  const now = options.now ?? (() => new Date());
  withSelector('m', options.xSelector);
  withSelector('m', options.ySelector);
  const base = options.url.replace(/\/+$/, '');

  async function get(path: string, params: URLSearchParams, signal?: AbortSignal) {
    const url = `${base}${path}?${params}`;
    const response = await httpGetText(url, {
      headers: options.headers,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      backoffMs: options.backoffMs,
      signal,
      logger: options.logger,
    });
    return response;
  }

  function refuse(statusCode: number, body: string, promql: string): AppError {
    const failure = parseJsonAs(errorSchema, body);
    const unavailable = statusCode >= 500;
    const what = failure
      ? `Prometheus refused the query (${failure.errorType}: ${failure.error.slice(0, 300)})`
      : `Prometheus at ${describeEndpoint(base)} answered HTTP ${statusCode} with an unexpected body`;
    return new AppError(
      unavailable ? 'E_METRICS_UNREACHABLE' : 'E_METRICS_BAD_RESPONSE',
      `${what}. ${unavailable ? 'It will be tried again next interval.' : 'Check metrics.prometheus.url and the selectors in the config.'}`,
      {
        retryable: unavailable,
        details: { status: statusCode, errorType: failure?.errorType ?? null, promql },
      },
    );
  }

  async function query<R>(
    schema: z.ZodType<{ data: { result: R[] }; warnings?: string[] | undefined }>,
    promql: string,
    at: Date,
    signal?: AbortSignal,
  ): Promise<R[]> {
    const params = new URLSearchParams({ query: promql, time: (at.getTime() / 1000).toFixed(3) });
    const response = await get('/api/v1/query', params, signal);
    const ok = parseJsonAs(schema, response.body);
    if (response.statusCode === 200 && ok !== undefined) {
      if (ok.warnings?.length) options.logger?.warn({ warnings: ok.warnings, promql }, 'prometheus warnings');
      return ok.data.result;
    }
    throw refuse(response.statusCode, response.body, promql);
  }

  /** The largest scrape interval among the targets `up{selector}` found, in seconds (undefined: unknown). */
  async function scrapeIntervalOf(up: VectorSample[], signal?: AbortSignal): Promise<number | undefined> {
    if (up.length === 0) return undefined;
    const response = await get('/api/v1/targets', new URLSearchParams({ state: 'active' }), signal);
    const targets = parseJsonAs(targetsSchema, response.body);
    if (response.statusCode !== 200 || !targets) return undefined;
    const wanted = new Set(up.map((s) => `${s.metric.job ?? ''}|${s.metric.instance ?? ''}`));
    let max: number | undefined;
    for (const t of targets.data.activeTargets) {
      if (!wanted.has(`${t.labels.job ?? ''}|${t.labels.instance ?? ''}`)) continue;
      const seconds = t.scrapeInterval ? parsePrometheusDuration(t.scrapeInterval) : undefined;
      if (seconds !== undefined) max = Math.max(max ?? 0, seconds);
    }
    return max;
  }

  /** Exact increases per series over the window, keyed by the series' labels (without __name__ and le). */
  async function increases(
    atStartQuery: string,
    inWindowQuery: string,
    start: Date,
    end: Date,
    upAtStart: Set<string>,
    signal?: AbortSignal,
  ): Promise<{ labels: Record<string, string>; increase: number }[]> {
    const [startValues, window] = await settleAll([
      query(vectorSchema, atStartQuery, start, signal),
      query(matrixSchema, inWindowQuery, end, signal),
    ]);
    const before = new Map<string, number>();
    for (const s of startValues) before.set(labelKey(s.metric), Number(s.value[1]));
    return window.map((series: MatrixSeries) => {
      const samples = series.values.map(([, v]) => Number(v)).filter((v) => Number.isFinite(v));
      const increase = rawIncrease(
        before.get(labelKey(series.metric)),
        samples,
        upAtStart.has(targetOf(series.metric)),
      );
      return { labels: series.metric, increase };
    });
  }

  /** Said when a window would see too few scrapes to count every node (undefined: fine or unknown). */
  function windowProblem(
    name: 'X' | 'Y',
    rangeSeconds: number,
    scrape: number | undefined,
  ): string | undefined {
    if (scrape === undefined || rangeSeconds >= 2 * scrape) return undefined;
    return `The comparison window (${rangeSeconds} s) is shorter than twice Prometheus' scrape interval of ${name}'s targets (${scrape} s): a window that short sees too few scrapes and silently leaves nodes out. Set metrics.scrapeSeconds (or, without it, metrics.intervalSeconds) to at least ${Math.ceil(2 * scrape)}, or scrape ${name} more often.`;
  }

  async function cluster(
    name: 'X' | 'Y',
    selector: string,
    rangeSeconds: number,
    end: Date,
    signal?: AbortSignal,
  ): Promise<WindowStats> {
    const start = new Date(end.getTime() - rangeSeconds * 1000);
    const q = prometheusQueries(selector, rangeSeconds);
    const [upNow, upThen] = await settleAll([
      query(vectorSchema, q.up, end, signal),
      query(vectorSchema, q.up, start, signal),
    ]);
    const tooShort = windowProblem(name, rangeSeconds, await scrapeIntervalOf(upNow, signal));
    if (tooShort)
      throw new AppError('E_CONFIG_INVALID', tooShort, { details: { cluster: name, rangeSeconds } });
    const empty: WindowStats = {
      seconds: rangeSeconds,
      requests: 0,
      status5xx: 0,
      status4xx: 0,
      latency: [],
      latencyMetric: null,
      routes: [],
    };
    if (upNow.length === 0) {
      return {
        ...empty,
        nodes: { total: 0, answered: 0, failed: [`no Prometheus target matches ${selector.trim()}`] },
      };
    }
    const down = upNow.filter((s) => Number(s.value[1]) !== 1);
    const nodes: NodeCoverage = {
      total: upNow.length,
      answered: upNow.length - down.length,
      failed: down.map((s) => `${s.metric.instance ?? targetOf(s.metric)} (down in Prometheus)`),
    };
    const upAtStart = new Set(upThen.filter((s) => Number(s.value[1]) === 1).map((s) => targetOf(s.metric)));
    const requestSeries = await increases(
      q.requestsAtStart,
      q.requestsInWindow,
      start,
      end,
      upAtStart,
      signal,
    );
    if (requestSeries.length === 0 && nodes.answered > 0) {
      return {
        ...empty,
        nodes: {
          total: nodes.total,
          answered: 0,
          failed: [
            ...nodes.failed,
            `no ${REQUEST_METRICS.join(' or ')} series match ${selector.trim()} (is Kong's prometheus plugin enabled, with status_code_metrics on 3.x?)`,
          ],
        },
      };
    }
    const routes = new Map<string, { codes: Record<string, number>; latency: Bucket[][] }>();
    const routeOf = (labels: Record<string, string>) => {
      const key = routeKey({
        workspace: labels.workspace ?? DEFAULT_WORKSPACE,
        service: labels.service ?? '',
        route: labels.route ?? '',
      });
      let acc = routes.get(key);
      if (!acc) {
        acc = { codes: {}, latency: [] };
        routes.set(key, acc);
      }
      return acc;
    };
    let requests = 0;
    let status5xx = 0;
    let status4xx = 0;
    for (const { labels, increase } of requestSeries) {
      if (increase <= 0) continue;
      const code = labels.code ?? '';
      const acc = routeOf(labels);
      acc.codes[code] = (acc.codes[code] ?? 0) + increase;
      requests += increase;
      if (code.length === 3 && code.startsWith('5')) status5xx += increase;
      else if (code.length === 3 && code.startsWith('4')) status4xx += increase;
    }
    let latencyMetric: string | null = null;
    for (const l of q.latency) {
      const series = await increases(l.atStart, l.inWindow, start, end, upAtStart, signal);
      if (series.length === 0) continue;
      latencyMetric = l.name;
      // Buckets of one histogram series: same labels without `le`.
      const bySeries = new Map<string, { labels: Record<string, string>; buckets: Bucket[] }>();
      for (const { labels, increase } of series) {
        const { le, ...rest } = labels;
        if (le === undefined) continue;
        const key = labelKey(rest);
        const entry = bySeries.get(key) ?? { labels: rest, buckets: [] };
        entry.buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: increase });
        bySeries.set(key, entry);
      }
      const known = kongBucketSet(l.name);
      for (const { labels, buckets } of bySeries.values()) {
        const valid = buckets.filter((b) => !Number.isNaN(b.le));
        routeOf(labels).latency.push(completeKongBuckets(valid, known));
      }
      break;
    }
    const routeWindows: RouteWindow[] = [...routes].map(([key, acc]) => ({
      ...routeLabelsOf(key),
      codes: acc.codes,
      latency: sumHistograms(acc.latency),
    }));
    return {
      seconds: rangeSeconds,
      requests,
      status5xx,
      status4xx,
      latency: sumHistograms(routeWindows.map((r) => r.latency)),
      latencyMetric,
      routes: routeWindows,
      nodes,
    };
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
        cluster('X', options.xSelector, rangeSeconds, end, signal),
        cluster('Y', options.ySelector, rangeSeconds, end, signal),
      ]);
      if (xs.status === 'rejected') throw xs.reason;
      if (ys.status === 'rejected') throw ys.reason;
      return {
        windows: { x: xs.value, y: ys.value, start: new Date(end.getTime() - rangeSeconds * 1000), end },
        state: { kind: 'prometheus', at: end.toISOString() },
      };
    },
    async check(signal?: AbortSignal): Promise<string[]> {
      const problems: string[] = [];
      for (const [name, selector] of [
        ['X', options.xSelector],
        ['Y', options.ySelector],
      ] as const) {
        const up = await query(vectorSchema, withSelector('up', selector), now(), signal);
        if (up.length === 0)
          problems.push(`No Prometheus target matches ${name}'s selector ${selector.trim()}.`);
        const problem = windowProblem(name, options.intervalSeconds, await scrapeIntervalOf(up, signal));
        if (problem) problems.push(problem);
      }
      return problems;
    },
    describe() {
      return `prometheus: query ${describeEndpoint(base)} for X ${options.xSelector} and Y ${options.ySelector}`;
    },
  };
}

function labelKey(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const name of names) key += `${name}=${JSON.stringify(labels[name])},`;
  return key;
}

/** Which scrape target a series came from (its job and instance). */
function targetOf(labels: Record<string, string>): string {
  return `${labels.job ?? ''}|${labels.instance ?? ''}`;
}
