import { z } from 'zod';
import type { Bucket } from './histogram-quantile.js';
import type { MetricsWindows } from './metrics-source.js';
import { mergeWindowStats, type WindowStats } from './window-stats.js';

/**
 * The scrapes of the comparison interval so far, when `metrics.scrapeSeconds` is shorter than
 * `intervalSeconds`: carried by the compare chain (plain JSON, routes and node coverage included) and
 * compared as one window once the interval is full.
 */
const bucketsJson = z.array(z.object({ le: z.number().nullable(), count: z.number().nonnegative() }));
const windowJson = z.object({
  seconds: z.number().positive(),
  requests: z.number().nonnegative(),
  status5xx: z.number().nonnegative(),
  status4xx: z.number().nonnegative(),
  latency: bucketsJson,
  latencyMetric: z.string().nullable(),
  routes: z
    .array(
      z.object({
        workspace: z.string(),
        service: z.string(),
        route: z.string(),
        codes: z.record(z.string(), z.number()),
        latency: bucketsJson,
      }),
    )
    .optional(),
  nodes: z.object({ total: z.number(), answered: z.number(), failed: z.array(z.string()) }).optional(),
});

export const pendingIntervalSchema = z.object({
  /** The step the scrapes belong to (`index@weight`): an interval never spans two steps. */
  step: z.string().optional(),
  start: z.string(),
  end: z.string(),
  x: windowJson,
  y: windowJson,
});
export type PendingInterval = z.infer<typeof pendingIntervalSchema>;

const toJson = (b: Bucket[]) => b.map((x) => ({ le: Number.isFinite(x.le) ? x.le : null, count: x.count }));
const fromJson = (b: { le: number | null; count: number }[]): Bucket[] =>
  b.map((x) => ({ le: x.le ?? Number.POSITIVE_INFINITY, count: x.count }));

function windowToJson(w: WindowStats): z.infer<typeof windowJson> {
  return {
    seconds: w.seconds,
    requests: w.requests,
    status5xx: w.status5xx,
    status4xx: w.status4xx,
    latency: toJson(w.latency),
    latencyMetric: w.latencyMetric,
    ...(w.routes ? { routes: w.routes.map((r) => ({ ...r, latency: toJson(r.latency) })) } : {}),
    ...(w.nodes ? { nodes: w.nodes } : {}),
  };
}

function windowFromJson(j: z.infer<typeof windowJson>): WindowStats {
  return {
    seconds: j.seconds,
    requests: j.requests,
    status5xx: j.status5xx,
    status4xx: j.status4xx,
    latency: fromJson(j.latency),
    latencyMetric: j.latencyMetric,
    ...(j.routes ? { routes: j.routes.map((r) => ({ ...r, latency: fromJson(r.latency) })) } : {}),
    ...(j.nodes ? { nodes: j.nodes } : {}),
  };
}

/**
 * Adds one scrape's windows to the interval so far. Scrapes of another step start a new interval (a
 * comparison judges one step). Node coverage is pooled conservatively: a node that was not read in any
 * scrape of the interval stays named, and the interval counts the fewest nodes any scrape read.
 */
export function addToInterval(
  pending: PendingInterval | null,
  w: MetricsWindows,
  step?: string,
): MetricsWindows {
  if (!pending || (step !== undefined && pending.step !== undefined && pending.step !== step)) return w;
  const merge = (before: z.infer<typeof windowJson>, now: WindowStats): WindowStats => {
    const merged = mergeWindowStats([windowFromJson(before), now]);
    const nodes = poolCoverage(before.nodes, now.nodes);
    return nodes ? { ...merged, nodes } : merged;
  };
  return {
    x: merge(pending.x, w.x),
    y: merge(pending.y, w.y),
    start: new Date(pending.start),
    end: w.end,
  };
}

function poolCoverage(
  before: WindowStats['nodes'],
  now: WindowStats['nodes'],
): WindowStats['nodes'] | undefined {
  if (!before) return now;
  if (!now) return before;
  return {
    total: Math.max(before.total, now.total),
    answered: Math.min(before.answered, now.answered),
    failed: [...new Set([...before.failed, ...now.failed])],
  };
}

export function intervalToJson(w: MetricsWindows, step?: string): PendingInterval {
  return {
    ...(step !== undefined ? { step } : {}),
    start: w.start.toISOString(),
    end: w.end.toISOString(),
    x: windowToJson(w.x),
    y: windowToJson(w.y),
  };
}

/**
 * Whether the interval is full: it covers `intervalSeconds`, give or take half a scrape (scrapes do
 * not land on the second). With one scrape per interval, every scrape completes one.
 */
export function intervalComplete(w: MetricsWindows, intervalSeconds: number, scrapeSeconds: number): boolean {
  if (scrapeSeconds >= intervalSeconds) return true;
  return (w.end.getTime() - w.start.getTime()) / 1000 >= intervalSeconds - scrapeSeconds / 2;
}

/** Default `metrics.scrapeSeconds` for the kong source (docs/contract.md#route-level-analysis-and-fast-detection). */
export const DEFAULT_SCRAPE_SECONDS = 5;

/**
 * How often the compare chain runs: `metrics.scrapeSeconds`, by default every 5 s with the kong source
 * and once per interval with Prometheus (whose own scrape interval, often 15–60 s, bounds how often
 * there is anything new; a shorter window would leave nodes out); never less often than the interval.
 */
export function scrapeCadence(metrics: {
  source?: string;
  intervalSeconds: number;
  scrapeSeconds?: number | undefined;
}): number {
  const preferred =
    metrics.scrapeSeconds ??
    (metrics.source === 'prometheus' ? metrics.intervalSeconds : DEFAULT_SCRAPE_SECONDS);
  return Math.min(preferred, metrics.intervalSeconds);
}
