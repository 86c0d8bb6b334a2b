import { formatCount, formatPercent, formatPValue } from './format-numbers.js';
import { holmBonferroni } from './holm-bonferroni.js';
import { marginExceededTest, twoProportionTest } from './proportion-tests.js';
import type { RouteWindow } from './window-stats.js';

/**
 * Per-route X-vs-Y verdicts for one window (docs/contract.md#route-level-analysis-and-fast-detection).
 *
 * - A route with at least `MIN_ROUTE_REQUESTS` on each side is judged on its own: Y's 5xx ratio and
 *   its 404 ratio against X's. A 404 rise on a route that answers on X is a router change: it fails.
 * - Smaller routes are pooled into one "other routes" row, judged the same way when the pool is big
 *   enough (never dropped; shown as not enough data otherwise).
 * - Requests Kong could not match to any route (empty `service` and `route` labels) are their own row,
 *   "no route matched": their share of all requests on Y against X's.
 * - Each test is "Y worse than X" (pooled z-test) **and** "worse by more than `margin`" (Agresti–Caffo),
 *   its p-value the larger of the two (an intersection–union test). Holm–Bonferroni at `alpha` runs over
 *   every test of the window, so 50 routes do not make 100 chances of a false rollback.
 * - Route rows only ever fail or pass: a route that is merely suspicious does not hold a gate back.
 */
export const MIN_ROUTE_REQUESTS = 20;
/** The busiest routes the live message shows. */
export const BUSIEST_ROUTES = 3;

export type RouteRowKind = 'route' | 'other' | 'unmatched';
export type RouteVerdict = 'pass' | 'fail' | 'insufficient_data';

/** One side of a route row. For "no route matched", `requests` is the cluster's total. */
export interface RouteSide {
  requests: number;
  status5xx: number;
  status404: number;
}

/** JSON-safe (stored with the comparison a gate showed). */
export interface RouteComparisonRow {
  kind: RouteRowKind;
  workspace: string;
  service: string;
  route: string;
  /** e.g. `route orders-v2 (service orders)`, `other routes (12)`, `no route matched`. */
  label: string;
  x: RouteSide;
  y: RouteSide;
  /** One-sided p-values (intersection–union, before the correction); null when not tested. */
  p5xx: number | null;
  p404: number | null;
  verdict: RouteVerdict;
  reason: string | null;
}

export interface RouteComparisonOptions {
  alpha: number;
  /** Largest increase of a ratio on Y that is still acceptable (`maxErrorRateIncrease`). */
  margin: number;
  minRouteRequests?: number;
}

export function isUnmatched(r: Pick<RouteWindow, 'service' | 'route'>): boolean {
  return r.service === '' && r.route === '';
}

export function compareRoutes(
  x: readonly RouteWindow[],
  y: readonly RouteWindow[],
  options: RouteComparisonOptions,
): RouteComparisonRow[] {
  const min = options.minRouteRequests ?? MIN_ROUTE_REQUESTS;
  const byKey = new Map<string, { labels: RouteWindow; x: RouteSide; y: RouteSide }>();
  const totals = { x: 0, y: 0 };
  const unmatched = { x: side(), y: side() };
  for (const [which, list] of [
    ['x', x],
    ['y', y],
  ] as const) {
    for (const r of list) {
      const s = sideOf(r);
      totals[which] += s.requests;
      if (isUnmatched(r)) {
        addTo(unmatched[which], s);
        continue;
      }
      const key = JSON.stringify([r.workspace, r.service, r.route]);
      let entry = byKey.get(key);
      if (!entry) {
        entry = { labels: r, x: side(), y: side() };
        byKey.set(key, entry);
      }
      addTo(entry[which], s);
    }
  }
  const rows: RouteComparisonRow[] = [];
  const pooled = {
    x: side(),
    y: side(),
    members: [] as { labels: RouteWindow; x: RouteSide; y: RouteSide }[],
  };
  for (const entry of byKey.values()) {
    if (Math.min(entry.x.requests, entry.y.requests) >= min) {
      rows.push(row('route', entry.labels, routeLabel(entry.labels), entry.x, entry.y));
    } else {
      addTo(pooled.x, entry.x);
      addTo(pooled.y, entry.y);
      pooled.members.push(entry);
    }
  }
  rows.sort((a, b) => b.x.requests + b.y.requests - (a.x.requests + a.y.requests));
  if (pooled.members.length > 0) {
    const n = pooled.members.length;
    const pool = row('other', null, `other routes (${n})`, pooled.x, pooled.y);
    rows.push(pool);
    poolMembers.set(pool, pooled.members);
  }
  if (unmatched.x.requests + unmatched.y.requests > 0) {
    // Every unmatched request is Kong's 404; its share of all requests is what a router change moves.
    rows.push(
      row(
        'unmatched',
        null,
        'no route matched',
        { requests: totals.x, status5xx: 0, status404: unmatched.x.requests },
        { requests: totals.y, status5xx: 0, status404: unmatched.y.requests },
      ),
    );
  }
  const tests: { row: RouteComparisonRow; code: '5xx' | '404'; p: number }[] = [];
  for (const r of rows) {
    if (Math.min(r.x.requests, r.y.requests) < min) continue;
    if (r.kind !== 'unmatched') {
      r.p5xx = worsePValue(r.x.status5xx, r.x.requests, r.y.status5xx, r.y.requests, options.margin);
      tests.push({ row: r, code: '5xx', p: r.p5xx });
    }
    // Unmatched requests are failures for every client that sends them, whatever X's share: a tenth of
    // the margin (0.05 points by default) is enough to fail a clear rise there.
    const margin = r.kind === 'unmatched' ? options.margin / 10 : options.margin;
    r.p404 = worsePValue(r.x.status404, r.x.requests, r.y.status404, r.y.requests, margin);
    tests.push({ row: r, code: '404', p: r.p404 });
  }
  const rejected = holmBonferroni(
    tests.map((t) => t.p),
    options.alpha,
  );
  for (const r of rows) r.verdict = Math.min(r.x.requests, r.y.requests) < min ? 'insufficient_data' : 'pass';
  tests.forEach((t, i) => {
    if (!rejected[i]) return;
    const figure = (s: RouteSide) =>
      formatPercent((t.code === '5xx' ? s.status5xx : s.status404) / s.requests);
    const what = t.row.kind === 'unmatched' ? 'share of requests on Y' : `${t.code} on Y`;
    const text = `${what} ${figure(t.row.y)} vs X ${figure(t.row.x)} (${formatPValue(t.p)})`;
    t.row.verdict = 'fail';
    t.row.reason = t.row.reason
      ? `${t.row.reason}; ${text}`
      : `${t.row.label}: ${text}${mostOnY(t.row, t.code)}`;
  });
  for (const r of rows) {
    if (r.verdict === 'insufficient_data')
      r.reason = `${r.label}: too few requests to judge (X ${formatCount(r.x.requests)}, Y ${formatCount(r.y.requests)}; need ${formatCount(min)} on each)`;
  }
  return rows;
}

/** Rows that fail, each with its reason naming the route and X's and Y's figures. */
export function failingRoutes(
  rows: readonly RouteComparisonRow[],
): (RouteComparisonRow & { reason: string })[] {
  return rows.flatMap((r) =>
    r.verdict === 'fail' ? [{ ...r, reason: r.reason ?? `${r.label} failed` }] : [],
  );
}

/** The busiest routes of the window (both sides together), for the live message. */
export function busiestRoutes(rows: readonly RouteComparisonRow[], n = BUSIEST_ROUTES): RouteComparisonRow[] {
  return rows
    .filter((r) => r.kind === 'route')
    .sort((a, b) => b.x.requests + b.y.requests - (a.x.requests + a.y.requests))
    .slice(0, n);
}

/** p-value of "Y worse than X, and by more than the margin": both must hold, so the larger p decides. */
export function worsePValue(
  errorsX: number,
  totalX: number,
  errorsY: number,
  totalY: number,
  margin: number,
): number {
  const significant = twoProportionTest(errorsX, totalX, errorsY, totalY).pValue;
  const beyond = marginExceededTest(errorsX, totalX, errorsY, totalY, margin).pValue;
  return Math.max(significant, beyond);
}

export function routeLabel(r: Pick<RouteWindow, 'workspace' | 'service' | 'route'>): string {
  const where = [
    r.service ? `service ${r.service}` : null,
    r.workspace && r.workspace !== 'default' ? `workspace ${r.workspace}` : null,
  ].filter(Boolean);
  return `route ${r.route || '(no name)'}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
}

// The members of an "other routes" row, kept aside so that the row itself stays JSON-plain.
const poolMembers = new WeakMap<RouteComparisonRow, { labels: RouteWindow; x: RouteSide; y: RouteSide }[]>();

/** For a failing pool: the routes inside it with the most such errors on Y. */
function mostOnY(r: RouteComparisonRow, code: '5xx' | '404'): string {
  const members = poolMembers.get(r);
  if (!members) return '';
  const count = (s: RouteSide) => (code === '5xx' ? s.status5xx : s.status404);
  const top = members
    .filter((m) => count(m.y) > 0)
    .sort((a, b) => count(b.y) - count(a.y))
    .slice(0, 3)
    .map((m) => `${routeLabel(m.labels)} ${formatCount(count(m.y))} of ${formatCount(m.y.requests)}`);
  return top.length > 0 ? `; most on Y: ${top.join(', ')}` : '';
}

function row(
  kind: RouteRowKind,
  labels: RouteWindow | null,
  label: string,
  x: RouteSide,
  y: RouteSide,
): RouteComparisonRow {
  return {
    kind,
    workspace: labels?.workspace ?? '',
    service: labels?.service ?? '',
    route: labels?.route ?? '',
    label,
    x,
    y,
    p5xx: null,
    p404: null,
    verdict: 'pass',
    reason: null,
  };
}

function side(): RouteSide {
  return { requests: 0, status5xx: 0, status404: 0 };
}

function addTo(into: RouteSide, s: RouteSide): void {
  into.requests += s.requests;
  into.status5xx += s.status5xx;
  into.status404 += s.status404;
}

function sideOf(r: RouteWindow): RouteSide {
  const s = side();
  for (const [code, n] of Object.entries(r.codes)) {
    s.requests += n;
    if (code.length === 3 && code.startsWith('5')) s.status5xx += n;
    else if (code === '404') s.status404 += n;
  }
  return s;
}
