import { type Bucket, histogramQuantile } from './histogram-quantile.js';

/**
 * What one cluster did during one comparison window: counter increases, never negative.
 * `latency` holds cumulative bucket increases sorted by `le`, the last one `le: Infinity`
 * (empty when the cluster exposes no latency histogram). In-memory shape: it holds Infinity, so
 * store `windowSummary()` rather than this object.
 */
export interface WindowStats {
  /** Window length in seconds (> 0). */
  seconds: number;
  requests: number;
  status5xx: number;
  status4xx: number;
  latency: Bucket[];
  /** Which histogram the latency came from, e.g. `kong_request_latency_ms`; null when none. */
  latencyMetric: string | null;
  /** The same window per Kong route (both sources fill it; absent in windows stored by older versions). */
  routes?: RouteWindow[];
  /** Which of the cluster's metrics endpoints answered (the kong source; absent for Prometheus). */
  nodes?: NodeCoverage;
}

/** One route's share of a window: requests by status code and its latency histogram. */
export interface RouteWindow {
  workspace: string;
  service: string;
  route: string;
  /** Status code (as Kong labels it) → requests in the window. */
  codes: Record<string, number>;
  latency: Bucket[];
}

/** How many of a cluster's nodes were read for a window, and which could not be (named, masked). */
export interface NodeCoverage {
  total: number;
  answered: number;
  failed: string[];
}

/** The plain, JSON-safe numbers of a window (what `metric_samples` stores). Quantiles in ms, null = no data. */
export interface WindowSummary {
  seconds: number;
  requests: number;
  status5xx: number;
  status4xx: number;
  requestRate: number;
  ratio5xx: number | null;
  ratio4xx: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  latencyObservations: number;
  nodes?: NodeCoverage;
}

export function windowSummary(w: WindowStats): WindowSummary {
  return {
    seconds: w.seconds,
    requests: w.requests,
    status5xx: w.status5xx,
    status4xx: w.status4xx,
    requestRate: w.seconds > 0 ? w.requests / w.seconds : 0,
    ratio5xx: w.requests > 0 ? w.status5xx / w.requests : null,
    ratio4xx: w.requests > 0 ? w.status4xx / w.requests : null,
    p50: quantileOf(w, 0.5),
    p95: quantileOf(w, 0.95),
    p99: quantileOf(w, 0.99),
    latencyObservations: latencyObservations(w),
    ...(w.nodes ? { nodes: w.nodes } : {}),
  };
}

/** `histogram_quantile(q, …)` of the window, or null when there is nothing to measure. */
export function quantileOf(w: Pick<WindowStats, 'latency'>, q: number): number | null {
  const value = histogramQuantile(q, w.latency);
  return Number.isFinite(value) ? value : null;
}

export function latencyObservations(w: Pick<WindowStats, 'latency'>): number {
  return w.latency[w.latency.length - 1]?.count ?? 0;
}

/**
 * Sums cumulative histograms that may not share every bound. A series without a bucket at `le`
 * contributes the count of its largest bucket below `le`: Kong never creates buckets under the
 * smallest value it observed, so a missing low bucket really is 0.
 */
export function sumHistograms(histograms: readonly (readonly Bucket[])[]): Bucket[] {
  const bounds = new Set<number>();
  for (const h of histograms) for (const b of h) bounds.add(b.le);
  if (bounds.size === 0) return [];
  bounds.add(Number.POSITIVE_INFINITY);
  const sortedBounds = [...bounds].sort((a, b) => a - b);
  const totals = new Array<number>(sortedBounds.length).fill(0);
  for (const h of histograms) {
    const sorted = [...h].sort((a, b) => a.le - b.le);
    let j = 0;
    let carried = 0;
    for (let i = 0; i < sortedBounds.length; i++) {
      const bound = sortedBounds[i] ?? Number.POSITIVE_INFINITY;
      while (j < sorted.length && (sorted[j]?.le ?? 0) <= bound) {
        carried = sorted[j]?.count ?? carried;
        j++;
      }
      totals[i] = (totals[i] ?? 0) + carried;
    }
  }
  return sortedBounds.map((le, i) => ({ le, count: totals[i] ?? 0 }));
}

/** Pools consecutive windows, e.g. to reach `minRequests` when traffic on Y is low. */
export function mergeWindowStats(windows: readonly WindowStats[]): WindowStats {
  const metrics = new Set(windows.map((w) => w.latencyMetric).filter((m) => m !== null));
  const routes = windows.some((w) => w.routes) ? mergeRoutes(windows.flatMap((w) => w.routes ?? [])) : null;
  return {
    ...(routes ? { routes } : {}),
    seconds: windows.reduce((s, w) => s + w.seconds, 0),
    requests: windows.reduce((s, w) => s + w.requests, 0),
    status5xx: windows.reduce((s, w) => s + w.status5xx, 0),
    status4xx: windows.reduce((s, w) => s + w.status4xx, 0),
    latency: sumHistograms(windows.map((w) => w.latency)),
    latencyMetric: metrics.size === 1 ? ([...metrics][0] ?? null) : metrics.size === 0 ? null : 'mixed',
  };
}

/** Sums route windows of the same route (several nodes, or consecutive windows). */
export function mergeRoutes(routes: readonly RouteWindow[]): RouteWindow[] {
  const byKey = new Map<string, { codes: Record<string, number>; latency: Bucket[][]; r: RouteWindow }>();
  for (const r of routes) {
    const key = JSON.stringify([r.workspace, r.service, r.route]);
    let entry = byKey.get(key);
    if (!entry) {
      entry = { codes: {}, latency: [], r };
      byKey.set(key, entry);
    }
    for (const [code, n] of Object.entries(r.codes)) entry.codes[code] = (entry.codes[code] ?? 0) + n;
    if (r.latency.length > 0) entry.latency.push(r.latency);
  }
  return [...byKey.values()].map(({ codes, latency, r }) => ({
    workspace: r.workspace,
    service: r.service,
    route: r.route,
    codes,
    latency: sumHistograms(latency),
  }));
}
