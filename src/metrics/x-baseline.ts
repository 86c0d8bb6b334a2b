import { z } from 'zod';
import type { WindowStats } from './window-stats.js';

/** WindowStats as JSON (the +Inf bucket's bound is stored as null), for the compare chain's state. */
export const windowStatsJsonSchema = z.object({
  seconds: z.number().positive(),
  requests: z.number().nonnegative(),
  status5xx: z.number().nonnegative(),
  status4xx: z.number().nonnegative(),
  latency: z.array(z.object({ le: z.number().nullable(), count: z.number().nonnegative() })),
  latencyMetric: z.string().nullable(),
});
export type WindowStatsJson = z.infer<typeof windowStatsJsonSchema>;

export function windowToJson(w: WindowStats): WindowStatsJson {
  return {
    ...w,
    latency: w.latency.map((b) => ({ le: Number.isFinite(b.le) ? b.le : null, count: b.count })),
  };
}

export function windowFromJson(j: WindowStatsJson): WindowStats {
  return { ...j, latency: j.latency.map((b) => ({ le: b.le ?? Number.POSITIVE_INFINITY, count: b.count })) };
}

export interface BaselineChoice {
  /** What Y is compared with this window. */
  x: WindowStats;
  /** The baseline to carry to the next window. */
  baseline: WindowStats | null;
  /** Set when X's own window was replaced by its last window with traffic. */
  note: string | null;
}

/**
 * At 100 % on Y, X serves nothing, so its own window can never give a verdict and the completion
 * gate would never come. Y is then compared with X's last window that had enough traffic: the
 * reference of how the old cluster behaved. Below 100 % X's live window is always used.
 */
export function chooseXBaseline(
  windowX: WindowStats,
  previous: WindowStats | null,
  weightY: number,
  minRequests: number,
): BaselineChoice {
  if (windowX.requests >= minRequests) return { x: windowX, baseline: windowX, note: null };
  if (weightY >= 100 && previous) {
    return {
      x: previous,
      baseline: previous,
      note: "X serves no traffic at 100 %: Y is compared with X's last window that had traffic.",
    };
  }
  return { x: windowX, baseline: previous, note: null };
}
