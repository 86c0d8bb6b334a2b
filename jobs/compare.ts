import { z } from 'zod';
import { compareSlot } from '../src/domain/decide-observation.js';
import { jobIdFor } from '../src/domain/job-names.js';
import type { Run } from '../src/domain/run.js';
import { wouldOfferNextStep } from '../src/domain/would-offer-next-step.js';
import { adaptersFor, metricsSourceFor } from '../src/engine/adapters-for.js';
import { checkDrift } from '../src/engine/check-drift.js';
import { dataPlaneReport } from '../src/engine/data-plane-report.js';
import type { JobContext, JobDefinition } from '../src/engine/job-definition.js';
import { patchRun } from '../src/engine/patch-run.js';
import { postRunLines } from '../src/engine/post-thread-line.js';
import { xDigestCheckFor } from '../src/engine/x-digest-check.js';
import { isAppError } from '../src/errors.js';
import { type Comparison, compareWindows, failingRows } from '../src/metrics/compare-windows.js';
import { storedRoutes } from '../src/metrics/focus-route.js';
import { formatComparison } from '../src/metrics/format-comparison.js';
import { feedSequential, judgeStep, stepEvidenceSchema } from '../src/metrics/judge-step.js';
import type { MetricsWindows } from '../src/metrics/metrics-source.js';
import { metricsSourceStateSchema } from '../src/metrics/metrics-source.js';
import {
  addToInterval,
  intervalComplete,
  intervalToJson,
  pendingIntervalSchema,
  scrapeCadence,
} from '../src/metrics/pending-interval.js';
import { sampleOf } from '../src/metrics/sample-of.js';
import { windowSummary } from '../src/metrics/window-stats.js';
import {
  chooseXBaseline,
  judgeAgainstStaleReference,
  windowFromJson,
  windowStatsJsonSchema,
  windowToJson,
} from '../src/metrics/x-baseline.js';
import { sleep } from '../src/sleep.js';

/** Traffic is split (or about to be): comparisons are meaningful and keep running. */
function comparing(run: Run): boolean {
  return (run.appliedWeight ?? 0) > 0 && ['awaiting_gate', 'shifting', 'observing'].includes(run.phase);
}

/**
 * Every interval while traffic is split: both clusters' numbers over the window, stored as samples,
 * shown in the run's one live comparison message, and handed to decide() (which proposes a rollback
 * on a failure, or the next step after the observation period). Each job schedules its successor,
 * keyed by interval slot, carrying the metrics baseline so a restart loses no window.
 */
const compareEachInterval: JobDefinition = {
  name: 'compare',
  phase: null,
  async run(ctx) {
    const { run, env, payload, deps, signal, log } = ctx;
    const source = metricsSourceFor(env, log);
    if (payload.adhoc) return adhocComparison(ctx);
    if (payload.baseline) return recordXBaseline(ctx);
    if (!comparing(run)) return { type: 'done' };
    const previous = chainStateSchema.safeParse(payload.state);
    const prior: ChainState = previous.success ? previous.data : { source: null, xBaseline: null };
    const { windows: scraped, state } = await source.observe(prior.source, signal);
    if (!scraped) {
      await scheduleNext(ctx, { ...prior, source: state });
      return { type: 'done' };
    }
    const stepCtx = {
      stepIndex: run.stepIndex,
      weight: run.appliedWeight ?? 0,
      steps: env.plan.steps.length,
    };
    // Every scrape feeds the always-valid 5xx test; the full comparison waits for a whole interval.
    const fed = feedSequential(
      prior.evidence ?? null,
      scraped.x,
      scraped.y,
      stepCtx,
      env.metrics.thresholds.maxErrorRateIncrease,
    );
    const windows = addToInterval(prior.pending ?? null, scraped, fed.evidence.step);
    if (!intervalComplete(windows, env.metrics.intervalSeconds, scrapeCadence(env.metrics))) {
      await scheduleNext(ctx, {
        ...prior,
        source: state,
        evidence: fed.evidence,
        pending: intervalToJson(windows, fed.evidence.step),
      });
      // Said once when the test starts failing; while it keeps failing the full comparison of each
      // interval says it again (a rejected rollback gate is not asked for anew every scrape).
      if (!fed.failing || !fed.newlyFailing) return { type: 'done' };
      // A gross 5xx failure between full comparisons: the rollback gate does not wait for the interval.
      const rollbackPending = (await deps.store.gates.pendingGates(run.id)).some(
        (g) => g.kind === 'rollback',
      );
      return { type: 'comparison', verdict: 'fail', failing: [fed.failing], drift: null, rollbackPending };
    }
    const choice = chooseXBaseline(
      windows.x,
      prior.xBaseline ? windowFromJson(prior.xBaseline) : null,
      run.appliedWeight ?? 0,
      env.metrics.thresholds.minRequests,
    );
    // Latency persistence and the sequential 5xx test carry evidence from window to window of a step.
    const judged = judgeStep(
      compareWindows(choice.x, windows.y, env.metrics.thresholds),
      windows.x,
      windows.y,
      choice.x,
      fed.evidence,
      stepCtx,
      { counted: true },
    );
    const { evidence } = judged;
    // X's live window had traffic: Y's window of the same moment is the second reference kept with it.
    // Not at 100 %: the scrape that straddles the last shift would take Y's new behaviour as its own past.
    const xLive = (run.appliedWeight ?? 0) < 100 && windows.x.requests >= env.metrics.thresholds.minRequests;
    const yThen = xLive ? windows.y : prior.yBaseline ? windowFromJson(prior.yBaseline) : null;
    // Against X's earlier window (at 100 %), latency fails only at a similar load, and only when Y is
    // slower than X and Y together were at that moment.
    const comparison = choice.note
      ? judgeAgainstStaleReference(
          judged.comparison,
          choice.x,
          prior.yBaseline ? windowFromJson(prior.yBaseline) : null,
          windows.y,
          env.metrics.thresholds,
        )
      : judged.comparison;
    await scheduleNext(ctx, {
      source: state,
      xBaseline: choice.baseline ? windowToJson(choice.baseline) : null,
      yBaseline: yThen ? windowToJson(yThen) : null,
      evidence,
      pending: null,
    });
    await storeSamples(ctx, windows, comparison);
    // Drift matters only when this comparison would offer the next step; X's database digests answer
    // first (fast), the Admin API only when a table changed or the database is not reachable. The
    // step's start is PostgreSQL's time: compare it with PostgreSQL's clock, not this process's.
    const dbNow = await deps.store.runs.time();
    const gateCouldFollow = wouldOfferNextStep(run, comparison.verdict, dbNow, env.plan.observeSeconds);
    const drift = gateCouldFollow
      ? await checkDrift(
          run,
          {
            runs: deps.store.runs,
            x: adaptersFor(env, log, deps.adapters).x,
            xDigests: xDigestCheckFor(env, deps),
          },
          signal,
        )
      : null;
    const rollbackPending = (await deps.store.gates.pendingGates(run.id)).some((g) => g.kind === 'rollback');
    // Hybrid mode: Y's data planes, checked when a gate could follow (like the drift check).
    const dataPlanes = gateCouldFollow ? await dataPlaneReport(ctx) : {};
    return {
      type: 'comparison',
      verdict: comparison.verdict,
      failing: failingRows(comparison).map((r) => r.reason),
      drift,
      rollbackPending,
      ...dataPlanes,
      // The verdict is decided first; the live message follows and may fail without holding it back.
      afterDecision: () => showLive(ctx, comparison, windows, choice.note),
    };
  },
};

/**
 * One compare of a run at a time: while a slow one still runs, the next interval's job only passes the
 * chain on, instead of piling up in the worker slots a rollback needs.
 */
export const compareJob: JobDefinition = {
  ...compareEachInterval,
  async run(ctx) {
    if (ctx.payload.adhoc || !comparing(ctx.run)) return compareEachInterval.run(ctx);
    const lease = await ctx.deps.leases.tryAcquire(`compare-chain.${ctx.run.id}`);
    if (lease === null) {
      ctx.log.info(
        'the previous comparison of this run is still running; this interval only passes the chain on',
      );
      const previous = chainStateSchema.safeParse(ctx.payload.state);
      await scheduleNext(ctx, previous.success ? previous.data : { source: null, xBaseline: null });
      return { type: 'done' };
    }
    try {
      return await compareEachInterval.run(ctx);
    } finally {
      await lease.release();
    }
  },
};

/**
 * X's numbers before any traffic moves, for the charts: two scrapes one scrape interval apart, stored
 * as one sample of X (no verdict). Nothing is judged and nothing rescheduled; a failure only loses the
 * baseline.
 */
async function recordXBaseline({ run, env, deps, signal, log }: JobContext) {
  if ((run.appliedWeight ?? 0) > 0) return { type: 'done' as const };
  const source = metricsSourceFor(env, log);
  const first = await source.observe(null, signal);
  let observed = first;
  if (!observed.windows) {
    await sleep(scrapeCadence(env.metrics) * 1000, signal);
    observed = await source.observe(first.state, signal);
  }
  const w = observed.windows;
  // Only a window wholly before the first shift is X's baseline.
  const now = await deps.store.runs.getRun(run.id);
  if (!w || (now?.appliedWeight ?? 0) > 0 || now?.phase !== 'awaiting_gate') return { type: 'done' as const };
  await deps.store.samples.insertSample({
    ...sampleOf(run.id, 'x', w, windowSummary(w.x)),
    details: { weight: 0, baseline: true },
  });
  return { type: 'done' as const };
}

/** What each compare job hands its successor: the source's baseline and X's last window with traffic. */
const chainStateSchema = z.object({
  source: metricsSourceStateSchema.nullable(),
  xBaseline: windowStatsJsonSchema.nullable(),
  /** Y's window of the moment X's baseline was taken: Y's own reference when X's is stale (at 100 %). */
  yBaseline: windowStatsJsonSchema.nullable().optional(),
  evidence: stepEvidenceSchema.nullable().optional(),
  /** The scrapes of the interval so far (only when metrics.scrapeSeconds < intervalSeconds). */
  pending: pendingIntervalSchema.nullable().optional(),
});
type ChainState = z.infer<typeof chainStateSchema>;

async function scheduleNext({ run, env, deps }: JobContext, state: ChainState): Promise<void> {
  const now = Date.now();
  const cadence = scrapeCadence(env.metrics);
  const intervalMs = cadence * 1000;
  const slot = compareSlot(new Date(now), cadence, 1);
  await deps.queue.enqueue({
    job: 'compare',
    jobId: jobIdFor(run.id, 'compare', slot),
    payload: { v: 1, runId: run.id, seq: slot, state },
    delayMs: Math.max(0, slot * intervalMs - now),
  });
}

async function storeSamples({ run, deps }: JobContext, w: MetricsWindows, c: Comparison): Promise<void> {
  for (const [cluster, s] of [
    ['x', c.x],
    ['y', c.y],
  ] as const) {
    await deps.store.samples.insertSample({
      ...sampleOf(run.id, cluster, w, s),
      verdict: c.verdict,
      details: {
        weight: run.appliedWeight,
        rows: cluster === 'y' ? c.rows : undefined,
        // Per-route counts with Y's sample: the gate's chart follows a failing route over the run.
        routes: cluster === 'y' && c.routes ? storedRoutes(c.routes) : undefined,
      },
    });
  }
}

/** Preflight warnings that change how the comparison reads, by check id (never by message text). */
const PREFLIGHT_NOTES: Record<string, string> = {
  'rate-limiting-counters':
    '⚠️ Rate-limiting counters are not synced between X and Y (see preflight): 429 rates may differ.',
  vitals:
    '⚠️ Vitals is not synced between X and Y (see preflight): judge Y by this comparison, not by Vitals.',
};

const preflightDetailsSchema = z.object({
  checks: z.array(z.object({ id: z.string(), status: z.string() })),
});

/** The notes for the warnings recorded in a `job.preflight.succeeded` event's details. */
export function preflightNotes(details: unknown): string[] {
  const parsed = preflightDetailsSchema.safeParse(details);
  if (!parsed.success) return [];
  return parsed.data.checks.flatMap((c) => {
    const note = c.status === 'warn' ? PREFLIGHT_NOTES[c.id] : undefined;
    return note ? [note] : [];
  });
}

async function loadPreflightNotes({ run, deps }: JobContext): Promise<string[]> {
  // One indexed row, not the whole audit log: this runs every interval.
  const preflight = await deps.store.events.findLatestEvent(run.id, 'job.preflight.succeeded');
  return preflightNotes(preflight?.details);
}

/** chat.update errors that mean the live message is gone for good (deleted, or no longer editable). */
const MESSAGE_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

function messageGone(err: unknown): boolean {
  return isAppError(err) && err.code === 'E_SLACK_API' && MESSAGE_GONE.has(String(err.details.code));
}

/**
 * One live message per run, updated in place (the notifier coalesces to ≤ 1 update/s). A message
 * someone deleted is forgotten and posted anew. Any other Slack failure is logged: the next interval
 * shows the numbers again, and the verdict was decided without it.
 */
async function showLive(
  ctx: JobContext,
  c: Comparison,
  w: MetricsWindows,
  baselineNote: string | null,
): Promise<void> {
  const { run, deps, log } = ctx;
  const notes = await loadPreflightNotes(ctx);
  const text = [
    `*Live comparison* · Y ${run.appliedWeight ?? 0} %`,
    formatComparison(c, { start: w.start, end: w.end }),
    ...(baselineNote ? [`ℹ️ ${baselineNote}`] : []),
    ...notes,
  ].join('\n');
  const current = (await deps.store.runs.getRun(run.id)) ?? run;
  if (current.comparisonTs) {
    try {
      await deps.notifier.update({
        channel: current.channel,
        ts: current.comparisonTs,
        text,
        priority: 'low',
      });
      return;
    } catch (err) {
      if (!messageGone(err)) throw err;
      log.info({ ts: current.comparisonTs }, 'the live comparison message is gone; posting it anew');
      await patchRun(deps, run.id, { comparisonTs: null });
    }
  }
  const posted = await deps.notifier.post({
    channel: current.channel,
    threadTs: current.threadTs,
    text,
    priority: 'low',
  });
  await patchRun(deps, run.id, { comparisonTs: posted.ts });
}

/** `/kong-upgrade compare`: two observations a short interval apart, posted as a new message. */
async function adhocComparison({ run, env, deps, signal, log }: JobContext) {
  const source = metricsSourceFor(env, log);
  let observed = await source.observe(null, signal);
  if (!observed.windows) {
    const waitMs = Math.min(env.metrics.intervalSeconds, 10) * 1000;
    await sleep(waitMs, signal);
    observed = await source.observe(observed.state, signal);
  }
  const w = observed.windows;
  const text = w
    ? `*Comparison requested now* · Y ${run.appliedWeight ?? 0} %\n${formatComparison(compareWindows(w.x, w.y, env.metrics.thresholds), { start: w.start, end: w.end })}`
    : 'No comparison window could be measured yet; try again in a minute.';
  // Through the outbox: Slack refusing it never fails the job, and it is posted later.
  await postRunLines(run.id, [text], deps);
  return { type: 'done' as const };
}
