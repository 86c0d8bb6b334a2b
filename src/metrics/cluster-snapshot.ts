import { z } from 'zod';
import {
  histogramSeries,
  type MetricFamily,
  type ParsedExposition,
  seriesKey,
} from '../kong/parse-prometheus-text.js';

/**
 * Latency histograms in order of preference (docs/contract.md#metrics-comparison: request
 * latency, else upstream latency), for
 * both exposition generations: 3.x names, and 2.8's one `kong_latency` family split by `type`.
 */
export const LATENCY_METRICS = [
  'kong_request_latency_ms',
  'kong_upstream_latency_ms',
  'kong_latency{type="request"}',
  'kong_latency{type="upstream"}',
] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** Requests by status code: 3.x (`kong_http_requests_total`) and 2.8 (`kong_http_status`). */
export const REQUESTS_METRIC = 'kong_http_requests_total';
export const REQUESTS_METRIC_28 = 'kong_http_status';
export const LATENCY_METRIC_28 = 'kong_latency';

/** Which Prometheus catalogue a node exported: Kong 2.8's or 3.x's. */
export const GENERATIONS = ['2.8', '3.x'] as const;
export type Generation = (typeof GENERATIONS)[number];

/** Workspace label value when the exposition has none (before 3.7): the only workspace of OSS. */
export const DEFAULT_WORKSPACE = 'default';

/** A Kong route as the metrics name it: `workspace`, `service` and `route` labels ("" when empty). */
export interface RouteLabels {
  workspace: string;
  service: string;
  route: string;
}

/** The key of a route in snapshots and windows: `["default","orders","orders-route"]`. */
export function routeKey(r: RouteLabels): string {
  return JSON.stringify([r.workspace, r.service, r.route]);
}

export function routeLabelsOf(key: string): RouteLabels {
  const parsed: unknown = JSON.parse(key);
  const [workspace, service, route] = Array.isArray(parsed) ? parsed : [];
  return { workspace: String(workspace ?? ''), service: String(service ?? ''), route: String(route ?? '') };
}

const routeSeriesSchema = z.object({
  /** `<code>|<hash of the labels other than code, service, route, workspace>` → counter value. */
  requests: z.record(z.string(), z.number()),
  /** `<hash of the other labels>` → cumulative buckets `[le, count]`, le as text (`"+Inf"`). */
  latency: z.record(z.string(), z.array(z.tuple([z.string(), z.number()]))),
});
export type RouteSeries = z.infer<typeof routeSeriesSchema>;

/**
 * The counters of one Kong node that a window needs, and nothing else, so that the compare job
 * can persist the previous scrape (a restart must not lose the baseline). Series are grouped per
 * route (so a per-route comparison can be made from the same snapshots) and keyed inside a route
 * by a short hash of their other labels; zero-valued series are left out (absent reads as 0).
 */
export const nodeSnapshotSchema = z.object({
  /** `node_id` from `kong_node_info` (3.x only); a change means the node restarted. */
  nodeId: z.string().nullable(),
  generation: z.enum(GENERATIONS).nullable(),
  latencyMetric: z.enum(LATENCY_METRICS).nullable(),
  /** routeKey → that route's series. */
  routes: z.record(z.string(), routeSeriesSchema),
});
export type NodeSnapshot = z.infer<typeof nodeSnapshotSchema>;

export const clusterSnapshotSchema = z.object({
  v: z.literal(2),
  /** When the scrape finished (ISO 8601). */
  at: z.iso.datetime(),
  /** Keyed by a hash of the node's metrics URL, so the key holds no secret and stays stable. */
  nodes: z.record(z.string(), nodeSnapshotSchema),
  /** How many metrics URLs the cluster has (answered or not). */
  total: z.int().min(0),
  /** Masked URLs of nodes that could not be scraped this time, each with why. */
  unreachable: z.array(z.string()),
});
export type ClusterSnapshot = z.infer<typeof clusterSnapshotSchema>;

function routeOf(
  snapshot: NodeSnapshot,
  labels: Record<string, string>,
): {
  rest: Record<string, string>;
  series: RouteSeries;
} {
  const { workspace, service = '', route = '', ...rest } = labels;
  const key = routeKey({ workspace: workspace ?? DEFAULT_WORKSPACE, service, route });
  let series = snapshot.routes[key];
  if (!series) {
    series = { requests: {}, latency: {} };
    snapshot.routes[key] = series;
  }
  return { rest, series };
}

/**
 * Reduces one node's parsed exposition to the counters a window needs. Reads 3.x names first, else
 * 2.8's (`kong_http_status`, `kong_latency{type}`); a missing `workspace` label (before 3.7) reads
 * as the default workspace, a missing `node_id` (2.8) as unknown.
 */
export function nodeSnapshotFrom(parsed: ParsedExposition): NodeSnapshot {
  const modern = parsed.families.get(REQUESTS_METRIC);
  const legacy = parsed.families.get(REQUESTS_METRIC_28);
  const generation: Generation | null =
    modern && modern.samples.length > 0
      ? '3.x'
      : (legacy && legacy.samples.length > 0) || parsed.families.has(LATENCY_METRIC_28)
        ? '2.8'
        : null;
  const info = parsed.families.get('kong_node_info')?.samples[0];
  const snapshot: NodeSnapshot = {
    nodeId: info?.labels.node_id ?? null,
    generation,
    latencyMetric: null,
    routes: {},
  };
  const requestFamily = generation === '2.8' ? legacy : modern;
  const requestName = generation === '2.8' ? REQUESTS_METRIC_28 : REQUESTS_METRIC;
  for (const sample of requestFamily?.samples ?? []) {
    if (sample.name !== requestName || !Number.isFinite(sample.value) || sample.value <= 0) continue;
    const { code = '', ...labels } = sample.labels;
    const { rest, series } = routeOf(snapshot, labels);
    const key = `${code}|${shortHash(seriesKey(rest))}`;
    series.requests[key] = (series.requests[key] ?? 0) + sample.value;
  }
  for (const metric of LATENCY_METRICS) {
    const family = latencyFamily(parsed, metric);
    if (!family) continue;
    let found = false;
    for (const h of histogramSeries(family)) {
      const { type, ...labels } = h.labels;
      if (metric.startsWith(LATENCY_METRIC_28) && metric !== `${LATENCY_METRIC_28}{type="${type}"}`) continue;
      const buckets = h.buckets.filter((b) => Number.isFinite(b.count) && b.count > 0);
      if (buckets.length === 0) continue;
      found = true;
      const { rest, series } = routeOf(snapshot, labels);
      series.latency[shortHash(seriesKey(rest))] = buckets.map((b) => [leText(b.le), b.count]);
    }
    if (found) {
      snapshot.latencyMetric = metric;
      break;
    }
  }
  return snapshot;
}

function latencyFamily(parsed: ParsedExposition, metric: LatencyMetric): MetricFamily | undefined {
  const name = metric.startsWith(LATENCY_METRIC_28) ? LATENCY_METRIC_28 : metric;
  const family = parsed.families.get(name);
  return family?.type === 'histogram' && family.samples.length > 0 ? family : undefined;
}

export function leText(le: number): string {
  return le === Number.POSITIVE_INFINITY ? '+Inf' : String(le);
}

export function leValue(text: string): number {
  return text === '+Inf' ? Number.POSITIVE_INFINITY : Number(text);
}

/** 64-bit FNV-1a (two 32-bit lanes) in base 36: short, stable, collisions negligible at 1e5 series. */
export function shortHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(36) + b.toString(36).padStart(7, '0');
}
