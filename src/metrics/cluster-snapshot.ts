import { z } from 'zod';
import { histogramSeries, type ParsedExposition, seriesKey } from '../kong/parse-prometheus-text.js';

/** Latency histograms in order of preference (docs/contract.md#metrics-comparison: request latency, else upstream latency). */
export const LATENCY_METRICS = ['kong_request_latency_ms', 'kong_upstream_latency_ms'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

export const REQUESTS_METRIC = 'kong_http_requests_total';

/**
 * The counters of one Kong node that a window needs, and nothing else, so that the compare job
 * can persist the previous scrape (a restart must not lose the baseline). Series are keyed by a
 * short hash of their labels; zero-valued series are left out (absent reads as 0).
 */
export const nodeSnapshotSchema = z.object({
  /** `node_id` from `kong_node_info`; a change means the node restarted and every counter reset. */
  nodeId: z.string().nullable(),
  latencyMetric: z.enum(LATENCY_METRICS).nullable(),
  /** `<code>|<hash of the other labels>` → value of kong_http_requests_total. */
  requests: z.record(z.string(), z.number()),
  /** `<hash of labels without le>` → cumulative buckets `[le, count]`, le as text (`"+Inf"`). */
  latency: z.record(z.string(), z.array(z.tuple([z.string(), z.number()]))),
});
export type NodeSnapshot = z.infer<typeof nodeSnapshotSchema>;

export const clusterSnapshotSchema = z.object({
  v: z.literal(1),
  /** When the scrape finished (ISO 8601). */
  at: z.iso.datetime(),
  /** Keyed by a hash of the node's metrics URL, so the key holds no secret and stays stable. */
  nodes: z.record(z.string(), nodeSnapshotSchema),
  /** Masked URLs of nodes that could not be scraped this time. */
  unreachable: z.array(z.string()),
});
export type ClusterSnapshot = z.infer<typeof clusterSnapshotSchema>;

/** Reduces one node's parsed exposition to the counters a window needs. */
export function nodeSnapshotFrom(parsed: ParsedExposition): NodeSnapshot {
  const requests: Record<string, number> = {};
  const requestFamily = parsed.families.get(REQUESTS_METRIC);
  for (const sample of requestFamily?.samples ?? []) {
    if (sample.name !== REQUESTS_METRIC || !Number.isFinite(sample.value) || sample.value <= 0) continue;
    const { code = '', ...rest } = sample.labels;
    const key = `${code}|${shortHash(seriesKey(rest))}`;
    requests[key] = (requests[key] ?? 0) + sample.value;
  }
  let latencyMetric: LatencyMetric | null = null;
  const latency: Record<string, [string, number][]> = {};
  for (const name of LATENCY_METRICS) {
    const family = parsed.families.get(name);
    if (family?.type !== 'histogram' || family.samples.length === 0) continue;
    latencyMetric = name;
    for (const series of histogramSeries(family)) {
      const buckets = series.buckets.filter((b) => Number.isFinite(b.count) && b.count > 0);
      if (buckets.length === 0) continue;
      latency[shortHash(seriesKey(series.labels))] = buckets.map((b) => [leText(b.le), b.count]);
    }
    break;
  }
  const info = parsed.families.get('kong_node_info')?.samples[0];
  return { nodeId: info?.labels.node_id ?? null, latencyMetric, requests, latency };
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
