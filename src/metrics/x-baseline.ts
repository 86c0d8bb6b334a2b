import { z } from 'zod';
import type { MetricsThresholds } from '../config/metrics-schema.js';
import { type Comparison, compareWindows, verdictOf } from './compare-windows.js';
import { LATENCY_ROWS, latencyFailing } from './require-persistent-latency.js';
import { mergeWindowStats, type WindowStats } from './window-stats.js';

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
      note: "X serves no traffic at 100 %: Y is compared with X's last window that had traffic; its latency fails only at a similar load and when Y is also slower than X and Y together were then.",
    };
  }
  return { x: windowX, baseline: previous, note: null };
}

/** Load may differ this much (either way) between the reference moment and now for latency to fail. */
export const MAX_LOAD_CHANGE = 1.5;

/**
 * At 100 % X's reference is an earlier window, taken at another load: a latency difference may be the
 * load, not the new version. The honest reference is what X and Y served together at that moment
 * (`xThen` + `yThen`, the whole traffic then): a latency row fails only when the request rate now is
 * within ×1.5 of the rate then and Y is slower than that reference too; otherwise it warns, saying
 * why. Without Y's window of that moment, latency against a stale X can only warn. Error rows are
 * unchanged (a ratio of errors does not move with load the way latency does).
 */
export function judgeAgainstStaleReference(
  c: Comparison,
  xThen: WindowStats,
  yThen: WindowStats | null,
  yNow: WindowStats,
  thresholds: MetricsThresholds,
): Comparison {
  const rateThen = yThen ? (xThen.requests + yThen.requests) / Math.max(1, xThen.seconds) : 0;
  const rateNow = yNow.requests / Math.max(1, yNow.seconds);
  const change = rateThen > 0 ? rateNow / rateThen : Number.POSITIVE_INFINITY;
  const comparable = yThen !== null && change <= MAX_LOAD_CHANGE && change >= 1 / MAX_LOAD_CHANGE;
  const slower = comparable
    ? latencyFailing(compareWindows(mergeWindowStats([xThen, yThen]), yNow, thresholds))
    : [];
  const why = !yThen
    ? "against X's earlier window only (no window of Y from that moment)"
    : !comparable
      ? `against X's earlier window, at another load (${rateThen.toFixed(0)} req/s then, ${rateNow.toFixed(0)} req/s now)`
      : 'Y is not slower than X and Y together served at that moment';
  const rows = c.rows.map((row) =>
    LATENCY_ROWS.includes(row.metric) && row.verdict === 'fail' && !slower.includes(row.metric)
      ? {
          ...row,
          verdict: 'warn' as const,
          reason: `${row.reason ?? row.label} — ${why}, so this may be load`,
        }
      : row,
  );
  const out = { ...c, rows };
  out.verdict = verdictOf(out);
  return out;
}
