import type { WindowState } from './change-window-state.js';
import { judgeDataPlaneReport } from './decide-data-planes.js';
import { type Decision, type RunPatch, refuse } from './decision.js';
import type { DomainEvent, DriftItem } from './domain-event.js';
import type { Effect } from './effects.js';
import { escapeMrkdwn } from './escape-mrkdwn.js';
import { increaseBlockers } from './increase-blockers.js';
import { nextPlanWeight } from './plan.js';
import { isTerminal, type Run } from './run.js';

type ComparisonEvent = Extract<DomainEvent, { type: 'comparison_made' }>;

export interface ObservationPolicy {
  observeSeconds: number;
  /**
   * How often the compare chain runs (`metrics.scrapeSeconds`, else the comparison interval); compare
   * jobs are keyed by slot so chains never double up.
   */
  intervalSeconds: number;
  /** A rollback gate of the run is open (read with the run, in the same query). */
  rollbackPending?: boolean;
  /** The change windows at the decision's clock; unset: none configured. */
  window?: WindowState | undefined;
}

/** The id of the compare job for the interval slot that contains `now` (or the next one). */
export function compareSlot(now: Date, intervalSeconds: number, next = 0): number {
  return Math.floor(now.getTime() / (intervalSeconds * 1000)) + next;
}

export function describeDrift(drift: DriftItem[], max = 10): string {
  const lines = drift
    .slice(0, max)
    .map(
      (d) =>
        `• ${escapeMrkdwn(`${d.type} ${d.name ?? d.id}${d.workspace ? ` in workspace ${d.workspace}` : ''}: ${d.change}`)}`,
    );
  if (drift.length > max) lines.push(`• …and ${drift.length - max} more`);
  return lines.join('\n');
}

/**
 * A comparison of X and Y came in. Its verdict is kept on the run (the rules of increases read it).
 * A failure proposes a rollback at once (never rolls back by itself) and replaces any pending step.
 * The next step (or completion at 100 %) is offered only when increaseBlockers has nothing against it:
 * a whole observation period at the current step, no failing comparison since the step began, this
 * comparison passing or warning, no drift (checked with this comparison) and no rollback open.
 */
export function decideObservation(
  run: Run,
  event: ComparisonEvent,
  now: Date,
  policy: ObservationPolicy,
): Decision {
  if (isTerminal(run.phase)) return refuse(`${run.id} has already ended.`);
  const record = {
    actor: 'job:compare',
    kind: 'comparison.verdict',
    phase: run.phase,
    details: { verdict: event.verdict, failing: event.failing, drift: event.drift?.length ?? null },
  };
  // Verdicts count only for the step they judged: a traffic step or rollback in progress changes Y.
  const judging = run.phase === 'observing' || run.phase === 'awaiting_gate';
  const patch: RunPatch = judging
    ? { lastVerdict: event.verdict, ...(event.verdict === 'fail' ? { stepFailing: true } : {}) }
    : {};
  if (event.drift !== null) patch.driftDetected = event.drift.length > 0;
  const rollbackPending = event.rollbackPending || policy.rollbackPending === true;
  const effects: Effect[] = [];
  const events = [record];
  if (event.drift && event.drift.length > 0 && !run.driftDetected) {
    events.push({ ...record, kind: 'freeze.drift', details: { changes: event.drift } as never });
    effects.push({
      type: 'thread',
      text: `:warning: *X's configuration changed during the write freeze*; traffic increases are blocked until this is resolved (rollback stays possible):\n${describeDrift(event.drift)}`,
    });
  }
  if (event.verdict === 'fail') {
    if (rollbackPending || run.phase === 'rolling_back') return { ok: true, patch, events, effects };
    return {
      ok: true,
      // The rollback gate replaces a pending step: the run is back to watching its current step.
      patch:
        run.phase === 'awaiting_gate' && (run.appliedWeight ?? 0) > 0
          ? { ...patch, phase: 'observing' }
          : patch,
      events,
      effects: [
        ...effects,
        {
          type: 'request_gate',
          kind: 'rollback',
          targetWeight: 0,
          reason: `Y is worse than X: ${escapeMrkdwn(event.failing.join('; '))}`,
          details: [`*Failing:*\n${event.failing.map((f) => `• ${f}`).join('\n')}`],
        },
        { type: 'update_card' },
      ],
    };
  }
  if (run.phase !== 'observing' || event.drift === null) {
    return {
      ok: true,
      patch,
      events,
      effects: effects.length > 0 ? [...effects, { type: 'update_card' }] : [],
    };
  }
  const next = nextPlanWeight(run.planSteps, run.appliedWeight);
  const target =
    next === null ? { kind: 'complete' as const, weight: 100 } : { kind: 'shift' as const, weight: next };
  const judged: Run = { ...run, ...patch } as Run;
  const blockers = increaseBlockers(judged, target, {
    now,
    observeSeconds: policy.observeSeconds,
    rollbackPending,
    window: policy.window,
  });
  if (blockers.length > 0) {
    return {
      ok: true,
      patch,
      events,
      effects: effects.length > 0 ? [...effects, { type: 'update_card' }] : [],
    };
  }
  const heldSeconds = run.stepStartedAt
    ? Math.round((now.getTime() - run.stepStartedAt.getTime()) / 1000)
    : 0;
  // Hybrid mode: Y's data planes must be connected, in sync and compatible before any gate.
  const dataPlanes = judgeDataPlaneReport(event, run.phase);
  if (dataPlanes.block) {
    return {
      ok: true,
      patch,
      events: [...events, ...dataPlanes.events],
      effects: [...effects, ...dataPlanes.effects],
    };
  }
  const details = [
    event.verdict === 'warn'
      ? `:warning: Comparison shows warnings: ${escapeMrkdwn(event.failing.join('; ')) || 'see the comparison'}`
      : ':white_check_mark: Comparison passes',
    `:white_check_mark: No failing comparison since Y got ${run.appliedWeight ?? 0} % (${heldSeconds} s)`,
    ':snowflake: X unchanged since the freeze',
  ];
  const gate: Effect =
    target.kind === 'complete'
      ? {
          type: 'request_gate',
          kind: 'complete',
          targetWeight: 100,
          reason: 'Y has served 100 % of traffic for the observation period',
          details,
        }
      : {
          type: 'request_gate',
          kind: 'shift',
          targetWeight: target.weight,
          reason: `Y held ${run.appliedWeight ?? 0} % for ${heldSeconds} s`,
          details,
        };
  return {
    ok: true,
    patch: { ...patch, phase: 'awaiting_gate' },
    events: [...events, ...dataPlanes.events],
    effects: [...effects, ...dataPlanes.effects, gate, { type: 'update_card' }],
  };
}
