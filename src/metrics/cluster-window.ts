import { AppError } from '../errors.js';
import { type ClusterSnapshot, leValue, type NodeSnapshot } from './cluster-snapshot.js';
import type { Bucket } from './histogram-quantile.js';
import { sumHistograms, type WindowStats } from './window-stats.js';

/**
 * The window between two snapshots of one cluster, summed over its nodes.
 *
 * Counter resets are handled as Prometheus's `increase()` does: a series whose value went down
 * restarted from 0, so its increase is its new value; never a negative rate. A changed `node_id`
 * (a restarted node) resets every series of that node even when the new values happen to be
 * higher. A series that appeared on a known node was created by Kong during the window (Kong creates
 * series on first use, e.g. the first 503 of a route), so it counts in full. A series that
 * disappeared contributes nothing. A node absent from `prev` (new, or unreachable last time) only
 * sets its baseline: we cannot know when its counts accrued.
 */
export function windowBetween(prev: ClusterSnapshot, next: ClusterSnapshot): WindowStats {
  const seconds = (Date.parse(next.at) - Date.parse(prev.at)) / 1000;
  if (!(seconds > 0)) {
    throw new AppError(
      'E_INVALID_INPUT',
      `A metrics window must move forward in time (previous scrape ${prev.at}, next ${next.at}).`,
    );
  }
  let requests = 0;
  let status5xx = 0;
  let status4xx = 0;
  const histograms: Bucket[][] = [];
  const metrics = new Set<string>();
  for (const [key, node] of Object.entries(next.nodes)) {
    const before = prev.nodes[key];
    if (!before) continue;
    const restarted = before.nodeId !== null && node.nodeId !== null && before.nodeId !== node.nodeId;
    for (const [seriesKey, value] of Object.entries(node.requests)) {
      const increase = counterIncrease(restarted ? undefined : before.requests[seriesKey], value);
      requests += increase;
      const code = seriesKey.charCodeAt(0);
      if (seriesKey.indexOf('|') === 3 && code === 53 /* 5 */) status5xx += increase;
      else if (seriesKey.indexOf('|') === 3 && code === 52 /* 4 */) status4xx += increase;
    }
    if (node.latencyMetric !== null && node.latencyMetric === before.latencyMetric) {
      metrics.add(node.latencyMetric);
      histograms.push(...latencyIncreases(restarted ? undefined : before, node));
    }
  }
  return {
    seconds,
    requests,
    status5xx,
    status4xx,
    latency: sumHistograms(histograms),
    latencyMetric: metrics.size === 1 ? ([...metrics][0] ?? null) : metrics.size === 0 ? null : 'mixed',
  };
}

/** Prometheus's rule for one counter sample pair: a decrease means a reset from 0. */
export function counterIncrease(before: number | undefined, after: number): number {
  if (before === undefined || after < before) return after;
  return after - before;
}

function latencyIncreases(before: NodeSnapshot | undefined, node: NodeSnapshot): Bucket[][] {
  const out: Bucket[][] = [];
  for (const [key, pairs] of Object.entries(node.latency)) {
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
