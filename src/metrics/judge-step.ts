import { z } from 'zod';
import { ALPHA, type Comparison, compareWindows, verdictOf } from './compare-windows.js';
import { formatPercent } from './format-numbers.js';
import { latencyFailing, requirePersistentLatency } from './require-persistent-latency.js';
import {
  alphaPerStep,
  emptySequentialState,
  type SequentialState,
  sequentialVerdict,
  updateSequential,
} from './sequential-error-test.js';
import { mergeWindowStats, type WindowStats } from './window-stats.js';
import { windowFromJson, windowStatsJsonSchema, windowToJson } from './x-baseline.js';

/** What one window leaves for the next within the same step (carried by the compare chain). */
export const stepEvidenceSchema = z.object({
  /** Identifies the step (its index and Y weight): evidence never crosses a step. */
  step: z.string(),
  /** Latency rows that failed in the previous window. */
  latencyFailing: z.array(z.string()),
  /** The previous window as compared (X's reference and Y), to judge a latency failure over both. */
  previous: z.object({ x: windowStatsJsonSchema, y: windowStatsJsonSchema }).nullable().optional(),
  sequential: z.object({
    logRatios: z.array(z.number()),
    xRequests: z.number(),
    xErrors: z.number(),
    yRequests: z.number(),
    yErrors: z.number(),
  }),
});
export type StepEvidence = z.infer<typeof stepEvidenceSchema>;

export interface StepContext {
  stepIndex: number;
  weight: number;
  /** Steps in the plan: α is split over them so that a whole run keeps α. */
  steps: number;
}

/**
 * Combines one window's comparison with the evidence of the step so far
 * (docs/contract.md#route-level-analysis-and-fast-detection):
 * - latency fails only with persistent evidence (`requirePersistentLatency`): the row failed in the
 *   previous window too, or it fails over the previous and this window taken together (a stall that
 *   made one window slow is diluted there; a regression is not);
 * - the always-valid 5xx test over the step so far (`sequential-error-test.ts`) fails the comparison
 *   as soon as its evidence is enough, with α split over the plan's steps.
 * `x` and `y` are this window's own counts (X's, not a baseline carried from an earlier window: a
 * window in which X had no traffic adds no evidence to the 5xx test); `referenceX` is the X window
 * `raw` compared Y with.
 */
export function judgeStep(
  raw: Comparison,
  x: WindowStats,
  y: WindowStats,
  referenceX: WindowStats,
  prior: StepEvidence | null,
  ctx: StepContext,
  options: { counted?: boolean } = {},
): { comparison: Comparison; evidence: StepEvidence } {
  const step = stepKey(ctx);
  const same = prior !== null && prior.step === step;
  // `counted`: each scrape of this window was already fed to the 5xx test (feedSequential).
  const state: SequentialState =
    options.counted && same
      ? prior.sequential
      : updateSequential(same ? prior.sequential : emptySequentialState(), {
          xRequests: x.requests,
          xErrors: x.status5xx,
          yRequests: y.requests,
          yErrors: y.status5xx,
        });
  const alpha = alphaPerStep(ALPHA, ctx.steps);
  const v = sequentialVerdict(state, alpha, raw.thresholds.maxErrorRateIncrease);
  const nowFailing = latencyFailing(raw);
  const confirmed = same ? [...prior.latencyFailing] : [];
  const previous = same ? prior.previous : null;
  // Slow over the previous and this window taken together also confirms: a regression whose first
  // window failed one quantile and whose second missed it narrowly (a stall on X inflating X's tail)
  // is caught by its second window.
  let base = raw;
  if (previous && (nowFailing.some((m) => !confirmed.includes(m)) || confirmed.length > 0)) {
    const both = compareWindows(
      mergeWindowStats([windowFromJson(previous.x), referenceX]),
      mergeWindowStats([windowFromJson(previous.y), y]),
      raw.thresholds,
    );
    const slowOverBoth = latencyFailing(both);
    // A quantile the previous window failed, missed now but failing over both windows, while Y's
    // median is still slower than X's in this very window (a regression of the whole distribution
    // whose tail X's own stall hid this time): the row fails with the two windows' figures. A clean
    // window after one slow spell of Y (its median unchanged) is not carried by the spell.
    const carried = slowerMedian(raw)
      ? confirmed.filter((m) => slowOverBoth.includes(m) && !nowFailing.includes(m))
      : [];
    if (carried.length > 0) {
      base = {
        ...raw,
        rows: raw.rows.map((row) => {
          const over = both.rows.find((r) => r.metric === row.metric);
          return carried.includes(row.metric) && over
            ? { ...over, reason: `${over.reason ?? over.label} (over this and the previous window)` }
            : row;
        }),
      };
    }
    confirmed.push(...slowOverBoth);
  }
  const comparison = requirePersistentLatency(base, confirmed);
  comparison.sequential = {
    verdict: v.fail ? 'fail' : 'pass',
    eValue: Number.isFinite(v.eValue) ? v.eValue : Number.MAX_VALUE,
    threshold: 1 / alpha,
    x: v.x,
    y: v.y,
    reason: v.fail
      ? `5xx over this step on Y ${formatPercent(v.y)} vs X ${formatPercent(v.x)} (always-valid test: evidence ${formatEvidence(v.eValue)} ≥ ${formatEvidence(1 / alpha)})`
      : null,
  };
  comparison.verdict = verdictOf(comparison);
  return {
    comparison,
    evidence: {
      step,
      latencyFailing: nowFailing,
      previous: { x: windowToJson(referenceX), y: windowToJson(y) },
      sequential: state,
    },
  };
}

/** Y's median in this window is slower than X's by at least the p95 limit. */
function slowerMedian(c: Comparison): boolean {
  const ratio = c.rows.find((r) => r.metric === 'p50')?.ratio;
  return ratio !== null && ratio !== undefined && ratio >= c.thresholds.maxP95LatencyRatio;
}

function stepKey(ctx: StepContext): string {
  return `${ctx.stepIndex}@${ctx.weight}`;
}

/**
 * Feeds one scrape's counts to the step's always-valid 5xx test, between full comparisons
 * (`metrics.scrapeSeconds`). Looking after every scrape is what the test is built for: its error
 * guarantee holds however often it is looked at. Returns the evidence to carry on, and the failure
 * reason when the test already fails (a gross failure is caught within seconds).
 */
export function feedSequential(
  prior: StepEvidence | null,
  x: WindowStats,
  y: WindowStats,
  ctx: StepContext,
  maxErrorRateIncrease: number,
): { evidence: StepEvidence; failing: string | null; newlyFailing: boolean } {
  const step = stepKey(ctx);
  const same = prior !== null && prior.step === step;
  const alphaBefore = alphaPerStep(ALPHA, ctx.steps);
  const failedBefore = same && sequentialVerdict(prior.sequential, alphaBefore, maxErrorRateIncrease).fail;
  const state = updateSequential(same ? prior.sequential : emptySequentialState(), {
    xRequests: x.requests,
    xErrors: x.status5xx,
    yRequests: y.requests,
    yErrors: y.status5xx,
  });
  const alpha = alphaPerStep(ALPHA, ctx.steps);
  const v = sequentialVerdict(state, alpha, maxErrorRateIncrease);
  return {
    evidence: {
      step,
      latencyFailing: same ? prior.latencyFailing : [],
      previous: same ? (prior.previous ?? null) : null,
      sequential: state,
    },
    failing: v.fail
      ? `5xx over this step on Y ${formatPercent(v.y)} vs X ${formatPercent(v.x)} (always-valid test: evidence ${formatEvidence(v.eValue)} ≥ ${formatEvidence(1 / alpha)})`
      : null,
    newlyFailing: v.fail && !failedBefore,
  };
}

function formatEvidence(e: number): string {
  if (!Number.isFinite(e) || e >= 1e6) return '> 10⁶';
  return e >= 100 ? String(Math.round(e)) : e.toFixed(1);
}
