import { z } from 'zod';
import type { RouteComparisonRow } from './compare-routes.js';

/** A route's counts in one window, as stored with Y's sample: [requests, 5xx, 404]. */
const countsSchema = z.tuple([z.number(), z.number(), z.number()]);
const storedRouteSchema = z.object({
  label: z.string(),
  failing: z.boolean(),
  x: countsSchema,
  y: countsSchema,
});
export const storedRoutesSchema = z.array(storedRouteSchema);
export type StoredRoute = z.infer<typeof storedRouteSchema>;

/** Routes kept per sample at most (the failing ones first): enough for the chart, small in the table. */
const MAX_STORED_ROUTES = 200;

/** The route rows of a window in the compact form stored with Y's sample. */
export function storedRoutes(rows: readonly RouteComparisonRow[]): StoredRoute[] {
  const all = rows.map((r) => ({
    label: r.label,
    failing: r.verdict === 'fail',
    x: [r.x.requests, r.x.status5xx, r.x.status404] as [number, number, number],
    y: [r.y.requests, r.y.status5xx, r.y.status404] as [number, number, number],
  }));
  return [...all.filter((r) => r.failing), ...all.filter((r) => !r.failing)].slice(0, MAX_STORED_ROUTES);
}

/** One window of the route the chart follows: its error ratio (5xx and 404) on X and Y. */
export interface FocusPoint {
  at: Date;
  x: number | null;
  y: number | null;
}

export interface FocusRoute {
  label: string;
  points: FocusPoint[];
}

/**
 * The route a gate's chart follows: the failing route of the newest window that has one, traced back
 * over every window of the run (its 5xx plus 404 ratio on X and Y), so the chart shows when it broke.
 * null when no window had a failing route.
 */
export function focusRoute(windows: readonly { at: Date; routes: unknown }[]): FocusRoute | null {
  const parsed = windows.map((w) => {
    const routes = storedRoutesSchema.safeParse(w.routes);
    return { at: w.at, routes: routes.success ? routes.data : [] };
  });
  const newest = [...parsed].reverse().find((w) => w.routes.some((r) => r.failing));
  const label = newest?.routes.find((r) => r.failing)?.label;
  if (!label) return null;
  const ratio = ([requests, e5xx, e404]: [number, number, number]) =>
    requests > 0 ? (e5xx + e404) / requests : null;
  return {
    label,
    points: parsed.map((w) => {
      const route = w.routes.find((r) => r.label === label);
      return { at: w.at, x: route ? ratio(route.x) : null, y: route ? ratio(route.y) : null };
    }),
  };
}
