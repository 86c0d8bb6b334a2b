import { AppError } from '../errors.js';
import {
  type ClusterSnapshot,
  leValue,
  type NodeSnapshot,
  type RouteSeries,
  routeLabelsOf,
} from './cluster-snapshot.js';
import type { Bucket } from './histogram-quantile.js';
import { completeKongBuckets, kongBucketSet } from './kong-latency-buckets.js';
import { type RouteWindow, sumHistograms, type WindowStats } from './window-stats.js';

/**
 * The window between two snapshots of one cluster, summed over its nodes, with the per-route
 * breakdown kept.
 *
 * Resets are judged per node. Kong keeps its counters in a shared memory zone that only a restart
 * clears, so one counter (or histogram bucket) that went down means the whole node restarted during
 * the window: every series of that node then counts from 0, even those whose new value happens to be
 * higher. A changed `node_id` (3.x) says the same. What the node served between the previous scrape
 * and its restart is lost (no source can see it): scrape often enough. A series that appeared on a
 * known node was created by Kong during the window (Kong creates series on first use, e.g. the first
 * 503 of a route), so it counts in full. A series that disappeared contributes nothing. A node absent
 * from `prev` (new, or unreachable last time) only sets its baseline: we cannot know when its counts
 * accrued, and it is not counted as answered for this window.
 */
export function windowBetween(prev: ClusterSnapshot, next: ClusterSnapshot): WindowStats {
  const seconds = (Date.parse(next.at) - Date.parse(prev.at)) / 1000;
  if (!(seconds > 0)) {
    throw new AppError(
      'E_INVALID_INPUT',
      `A metrics window must move forward in time (previous scrape ${prev.at}, next ${next.at}).`,
    );
  }
  const routes = new Map<string, { codes: Record<string, number>; latency: Bucket[][] }>();
  const metrics = new Set<string>();
  let answered = 0;
  for (const [key, node] of Object.entries(next.nodes)) {
    const before = prev.nodes[key];
    if (!before) continue;
    answered++;
    const baseline = nodeRestarted(before, node) ? undefined : before;
    // A node that had no histogram yet (no traffic before) starts one: its buckets are all new.
    const sameLatency =
      node.latencyMetric !== null &&
      (before.latencyMetric === null || node.latencyMetric === before.latencyMetric);
    if (sameLatency && node.latencyMetric) metrics.add(node.latencyMetric);
    const known = kongBucketSet(node.latencyMetric);
    for (const [route, series] of Object.entries(node.routes)) {
      let acc = routes.get(route);
      if (!acc) {
        acc = { codes: {}, latency: [] };
        routes.set(route, acc);
      }
      const old = baseline?.routes[route];
      for (const [seriesKey, value] of Object.entries(series.requests)) {
        const increase = counterIncrease(old?.requests[seriesKey], value);
        if (increase <= 0) continue;
        const code = seriesKey.slice(0, seriesKey.indexOf('|'));
        acc.codes[code] = (acc.codes[code] ?? 0) + increase;
      }
      if (!sameLatency) continue;
      for (const h of latencyIncreases(old, series)) acc.latency.push(completeKongBuckets(h, known));
    }
  }
  const routeWindows: RouteWindow[] = [];
  let requests = 0;
  let status5xx = 0;
  let status4xx = 0;
  for (const [key, acc] of routes) {
    for (const [code, n] of Object.entries(acc.codes)) {
      requests += n;
      if (code.length === 3 && code.startsWith('5')) status5xx += n;
      else if (code.length === 3 && code.startsWith('4')) status4xx += n;
    }
    if (Object.keys(acc.codes).length === 0 && acc.latency.length === 0) continue;
    routeWindows.push({ ...routeLabelsOf(key), codes: acc.codes, latency: sumHistograms(acc.latency) });
  }
  return {
    seconds,
    requests,
    status5xx,
    status4xx,
    latency: sumHistograms(routeWindows.map((r) => r.latency)),
    latencyMetric: metrics.size === 1 ? ([...metrics][0] ?? null) : metrics.size === 0 ? null : 'mixed',
    routes: routeWindows,
    nodes: { total: next.total, answered, failed: next.unreachable },
  };
}

/** Prometheus's rule for one counter sample pair: a decrease means a reset from 0. */
export function counterIncrease(before: number | undefined, after: number): number {
  if (before === undefined || after < before) return after;
  return after - before;
}

/** A changed node_id, or any counter or bucket lower than before: the node restarted in between. */
export function nodeRestarted(before: NodeSnapshot, after: NodeSnapshot): boolean {
  if (before.nodeId !== null && after.nodeId !== null && before.nodeId !== after.nodeId) return true;
  for (const [route, old] of Object.entries(before.routes)) {
    const now = after.routes[route];
    for (const [key, value] of Object.entries(old.requests)) {
      const current = now?.requests[key];
      if (current !== undefined && current < value) return true;
    }
    if (before.latencyMetric !== after.latencyMetric) continue;
    for (const [key, pairs] of Object.entries(old.latency)) {
      const current = now?.latency[key];
      if (!current) continue;
      const next = toBuckets(current);
      if (toBuckets(pairs).some((b) => cumulativeAt(next, b.le) < b.count)) return true;
    }
  }
  return false;
}

function latencyIncreases(before: RouteSeries | undefined, series: RouteSeries): Bucket[][] {
  const out: Bucket[][] = [];
  for (const [key, pairs] of Object.entries(series.latency)) {
    const next = toBuckets(pairs);
    const prev = before ? toBuckets(before.latency[key] ?? []) : [];
    // A histogram series resets as a whole; judging each bucket alone would break cumulativeness.
    const reset = prev.some((b) => cumulativeAt(next, b.le) < b.count);
    out.push(reset ? next : next.map((b) => ({ le: b.le, count: b.count - cumulativeAt(prev, b.le) })));
  }
  return out;
}

function toBuckets(pairs: readonly (readonly [string, number])[]): Bucket[] {
  return pairs.map(([le, count]) => ({ le: leValue(le), count })).sort((a, b) => a.le - b.le);
}

/** Cumulative count at `le`: the largest bucket at or below it (missing low buckets are 0). */
function cumulativeAt(buckets: readonly Bucket[], le: number): number {
  let value = 0;
  for (const b of buckets) {
    if (b.le > le) break;
    value = b.count;
  }
  return value;
}
