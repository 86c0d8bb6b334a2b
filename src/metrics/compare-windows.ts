import { z } from 'zod';
import { compareRoutes, failingRoutes, type RouteComparisonRow } from './compare-routes.js';
import { formatCount, formatMs, formatPercent, formatPValue, formatRatio } from './format-numbers.js';
import { marginExceededTest, twoProportionTest, zForAlpha } from './proportion-tests.js';
import {
  latencyObservations,
  quantileOf,
  type WindowStats,
  type WindowSummary,
  windowSummary,
} from './window-stats.js';

/**
 * X-vs-Y verdicts for one window (docs/contract.md#metrics-comparison).
 *
 * - Fewer than `minRequests` on either side: every row and the whole comparison are
 *   `insufficient_data`, never `pass` (pool windows with `mergeWindowStats` to get there).
 * - 5xx ratio: `fail` needs both tests at α = 0.01: Y worse than X (pooled two-proportion z-test)
 *   **and** Y worse by more than `maxErrorRateIncrease` (the margin is tested, not just the point
 *   estimate, so noise on a few hundred requests cannot cross it). `warn`: significant and above half
 *   the margin, or above the margin but not significant.
 * - p95/p99: `fail` when the ratio Y/X is above its threshold both as point estimates and with 99 %
 *   confidence (Y's quantile at its lower order-statistic bound over X's at its upper bound, which
 *   needs no distribution assumption). `warn` above 1 + (t − 1)/2.
 * - p50 and 4xx only ever warn. Request rate is informational.
 * - Per route (when both windows carry routes): see compare-routes.ts; a failing route fails the
 *   comparison and is named in its reasons.
 */
export const VERDICTS = ['pass', 'warn', 'insufficient_data', 'fail'] as const;
export type Verdict = (typeof VERDICTS)[number];
/** Most severe first: one failing row fails the comparison, missing data outranks a warning. */
export const VERDICT_PRECEDENCE: readonly Verdict[] = ['fail', 'insufficient_data', 'warn', 'pass'];

export const comparisonThresholdsSchema = z.object({
  maxErrorRateIncrease: z.number().min(0).max(1),
  maxP95LatencyRatio: z.number().min(1),
  maxP99LatencyRatio: z.number().min(1),
  minRequests: z.number().int().min(1),
});
export type ComparisonThresholds = z.infer<typeof comparisonThresholdsSchema>;

export const ALPHA = 0.01;
const Z_ALPHA = zForAlpha(ALPHA);

export const COMPARISON_METRICS = ['request_rate', 'ratio_5xx', 'ratio_4xx', 'p50', 'p95', 'p99'] as const;
export type ComparisonMetric = (typeof COMPARISON_METRICS)[number];

export interface ComparisonRow {
  metric: ComparisonMetric;
  label: string;
  unit: 'req/s' | 'ratio' | 'ms';
  x: number | null;
  y: number | null;
  /** y − x. */
  delta: number | null;
  /** y / x for latencies; null when x is 0 or a side has no data. */
  ratio: number | null;
  /** One-sided p-value of "Y worse than X" for ratio rows. */
  pValue: number | null;
  verdict: Verdict;
  /** Plain words for any verdict other than pass. */
  reason: string | null;
}

/** JSON-safe (no NaN or Infinity): gates store it as the comparison they showed. */
export interface Comparison {
  verdict: Verdict;
  rows: ComparisonRow[];
  /** Why the verdict is held back although no row fails, e.g. a Y node that could not be scraped. */
  coverage?: string[];
  /** Per-route rows (absent when a window has no route breakdown, e.g. one stored by an older version). */
  routes?: RouteComparisonRow[];
  /** The always-valid 5xx test over the step so far (set by `judgeStep`; absent for an ad-hoc comparison). */
  sequential?: SequentialSummary;
  x: WindowSummary;
  y: WindowSummary;
  thresholds: ComparisonThresholds;
}

/** JSON-safe outcome of the sequential 5xx test. */
export interface SequentialSummary {
  verdict: 'pass' | 'fail';
  eValue: number;
  /** The evidence that fails: 1 / (α per step). */
  threshold: number;
  x: number | null;
  y: number | null;
  reason: string | null;
}

export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  for (const v of VERDICT_PRECEDENCE) if (verdicts.includes(v)) return v;
  return 'pass';
}

export function compareWindows(x: WindowStats, y: WindowStats, thresholds: ComparisonThresholds): Comparison {
  const sx = windowSummary(x);
  const sy = windowSummary(y);
  const few = Math.min(x.requests, y.requests) < thresholds.minRequests;
  const rows: ComparisonRow[] = [
    requestRateRow(sx, sy, thresholds.minRequests),
    ratioRow('ratio_5xx', '5xx ratio', x.status5xx, x.requests, y.status5xx, y.requests, thresholds, true),
    ratioRow('ratio_4xx', '4xx ratio', x.status4xx, x.requests, y.status4xx, y.requests, thresholds, false),
    latencyRow('p50', 0.5, x, y, thresholds, thresholds.maxP95LatencyRatio, false),
    latencyRow('p95', 0.95, x, y, thresholds, thresholds.maxP95LatencyRatio, true),
    latencyRow('p99', 0.99, x, y, thresholds, thresholds.maxP99LatencyRatio, true),
  ];
  if (few) for (const row of rows) row.verdict = 'insufficient_data';
  const coverage = nodeCoverage(x, y);
  const routes =
    x.routes && y.routes
      ? compareRoutes(x.routes, y.routes, { alpha: ALPHA, margin: thresholds.maxErrorRateIncrease })
      : null;
  const c: Comparison = {
    verdict: 'pass',
    rows,
    ...(coverage.length > 0 ? { coverage } : {}),
    ...(routes ? { routes } : {}),
    x: sx,
    y: sy,
    thresholds,
  };
  c.verdict = verdictOf(c);
  return c;
}

/**
 * The comparison's verdict from its parts: its rows, a failing route (routes that are only too small
 * do not hold it back: the whole-cluster rows already judge their traffic), and node coverage.
 */
export function verdictOf(c: Pick<Comparison, 'rows' | 'routes' | 'coverage' | 'sequential'>): Verdict {
  return worstVerdict([
    ...(c.sequential?.verdict === 'fail' ? ['fail' as const] : []),
    ...c.rows.map((r) => r.verdict),
    ...((c.routes ?? []).some((r) => r.verdict === 'fail') ? ['fail' as const] : []),
    ...((c.coverage ?? []).length > 0 ? ['insufficient_data' as const] : []),
  ]);
}

/**
 * Nodes not read hold the verdict back (never a `pass`; a `fail` stays a fail). On Y, any node
 * missing: the node that was not read may be the one failing, and the others cannot vouch for it.
 * On X, only no node at all: X is the reference, and fewer X nodes still describe the old cluster.
 */
export function nodeCoverage(x: Pick<WindowStats, 'nodes'>, y: Pick<WindowStats, 'nodes'>): string[] {
  const out: string[] = [];
  const yn = y.nodes;
  if (yn && (yn.answered < yn.total || yn.answered === 0)) {
    out.push(
      `Y: ${yn.answered} of ${yn.total} nodes counted${yn.failed.length > 0 ? `; not scraped: ${yn.failed.join(', ')}` : ' (a node is back and sets its baseline)'}: no pass until every Y node is read`,
    );
  }
  const xn = x.nodes;
  if (xn && xn.answered === 0) {
    out.push(
      `X: no node counted${xn.failed.length > 0 ? `; not scraped: ${xn.failed.join(', ')}` : ''}: nothing to compare Y with`,
    );
  }
  return out;
}

/** What a failing row or route says: `metric` is `route` for a route row. */
export interface FailingRow {
  metric: ComparisonMetric | 'route' | 'sequential_5xx';
  label: string;
  reason: string;
  /** The row's one-sided p-value; for a route, its smallest (before the Holm correction). */
  pValue: number | null;
}

/**
 * Rows that fail, each with its reason, e.g. "5xx ratio on Y 3.1 % vs X 0.1 % (p < 0.001)", then
 * failing routes, e.g. "route orders-v2 (service orders): 404 on Y 38 % vs X 0.2 % (p < 0.001)".
 */
export function failingRows(comparison: Comparison): FailingRow[] {
  const rows = comparison.rows.flatMap((row) =>
    row.verdict === 'fail'
      ? [
          {
            metric: row.metric,
            label: row.label,
            reason: row.reason ?? `${row.label} failed`,
            pValue: row.pValue,
          },
        ]
      : [],
  );
  const routes = failingRoutes(comparison.routes ?? []).map((r) => ({
    metric: 'route' as const,
    label: r.label,
    reason: r.reason,
    pValue: Math.min(r.p5xx ?? 1, r.p404 ?? 1),
  }));
  const sequential =
    // The same finding as a failing 5xx row of this window: said once.
    comparison.sequential?.verdict === 'fail' && !rows.some((r) => r.metric === 'ratio_5xx')
      ? [
          {
            metric: 'sequential_5xx' as const,
            label: '5xx over this step',
            reason: comparison.sequential.reason ?? '5xx over this step failed',
            pValue: null,
          },
        ]
      : [];
  return [...rows, ...sequential, ...routes];
}

function requestRateRow(x: WindowSummary, y: WindowSummary, minRequests: number): ComparisonRow {
  const short = [x.requests < minRequests ? 'X' : null, y.requests < minRequests ? 'Y' : null].filter(
    Boolean,
  );
  const reason =
    short.length > 0
      ? `too few requests to judge: X ${formatCount(x.requests)}, Y ${formatCount(y.requests)} in the window (need ${formatCount(minRequests)} on each)`
      : null;
  return {
    metric: 'request_rate',
    label: 'request rate',
    unit: 'req/s',
    x: x.requestRate,
    y: y.requestRate,
    delta: y.requestRate - x.requestRate,
    ratio: null,
    pValue: null,
    verdict: reason ? 'insufficient_data' : 'pass',
    reason,
  };
}

function ratioRow(
  metric: 'ratio_5xx' | 'ratio_4xx',
  label: string,
  errorsX: number,
  totalX: number,
  errorsY: number,
  totalY: number,
  t: ComparisonThresholds,
  canFail: boolean,
): ComparisonRow {
  const px = totalX > 0 ? errorsX / totalX : null;
  const py = totalY > 0 ? errorsY / totalY : null;
  const delta = px !== null && py !== null ? py - px : null;
  const worse = twoProportionTest(errorsX, totalX, errorsY, totalY);
  const beyondMargin = marginExceededTest(errorsX, totalX, errorsY, totalY, t.maxErrorRateIncrease);
  const significant = worse.pValue < ALPHA;
  const d = delta ?? 0;
  let verdict: Verdict = 'pass';
  if (px === null || py === null) verdict = 'insufficient_data';
  else if (significant && beyondMargin.pValue < ALPHA) verdict = canFail ? 'fail' : 'warn';
  else if ((significant && d > t.maxErrorRateIncrease / 2) || d > t.maxErrorRateIncrease) verdict = 'warn';
  const reason =
    verdict === 'pass'
      ? null
      : px === null || py === null
        ? `${label}: no requests on ${px === null ? 'X' : 'Y'}`
        : `${label} on Y ${formatPercent(py)} vs X ${formatPercent(px)} (${formatPValue(worse.pValue)})`;
  return {
    metric,
    label,
    unit: 'ratio',
    x: px,
    y: py,
    delta,
    ratio: null,
    pValue: worse.pValue,
    verdict,
    reason,
  };
}

function latencyRow(
  metric: 'p50' | 'p95' | 'p99',
  q: number,
  x: WindowStats,
  y: WindowStats,
  t: ComparisonThresholds,
  limit: number,
  canFail: boolean,
): ComparisonRow {
  const qx = quantileOf(x, q);
  const qy = quantileOf(y, q);
  const nx = latencyObservations(x);
  const ny = latencyObservations(y);
  const base = { metric, label: `${metric} latency`, unit: 'ms' as const, x: qx, y: qy, pValue: null };
  if (qx === null || qy === null || Math.min(nx, ny) < t.minRequests) {
    const reason = `${metric} latency: ${qx === null || qy === null ? 'no latency histogram' : 'too few observations'} on ${qx === null || nx < t.minRequests ? 'X' : 'Y'}`;
    return {
      ...base,
      delta: qx !== null && qy !== null ? qy - qx : null,
      ratio: null,
      verdict: 'insufficient_data',
      reason,
    };
  }
  const ratio = latencyRatio(qy, qx);
  // Order-statistic bounds: the rank of a q-quantile among n observations has sd √(n q (1−q)).
  const yLow = quantileOf(y, Math.max(0, q - Z_ALPHA * Math.sqrt((q * (1 - q)) / ny))) ?? qy;
  const xHigh = quantileOf(x, Math.min(1, q + Z_ALPHA * Math.sqrt((q * (1 - q)) / nx))) ?? qx;
  const confident = latencyRatio(yLow, xHigh) > limit;
  let verdict: Verdict = 'pass';
  if (ratio > limit && confident) verdict = canFail ? 'fail' : 'warn';
  else if (ratio > 1 + (limit - 1) / 2) verdict = 'warn';
  const reason =
    verdict === 'pass'
      ? null
      : `${metric} latency on Y ${formatMs(qy)} vs X ${formatMs(qx)} (${formatRatio(Number.isFinite(ratio) ? ratio : null)}, limit ${formatRatio(limit)})`;
  return { ...base, delta: qy - qx, ratio: Number.isFinite(ratio) ? ratio : null, verdict, reason };
}

function latencyRatio(y: number, x: number): number {
  if (x > 0) return y / x;
  return y > 0 ? Number.POSITIVE_INFINITY : 1;
}
