import { type Decision, refuse } from './decision.js';
import type { DomainEvent, DriftItem } from './domain-event.js';
import type { Effect } from './effects.js';
import { escapeMrkdwn } from './escape-mrkdwn.js';
import { isTerminal, type Run } from './run.js';

type ComparisonEvent = Extract<DomainEvent, { type: 'comparison_made' }>;

export interface ObservationPolicy {
  observeSeconds: number;
  /** Comparison interval; compare jobs are keyed by interval slot so chains never double up. */
  intervalSeconds: number;
}

/** The id of the compare job for the interval slot that contains `now` (or the next one). */
export function compareSlot(now: Date, intervalSeconds: number, next = 0): number {
  return Math.floor(now.getTime() / (intervalSeconds * 1000)) + next;
}

export function describeDrift(drift: DriftItem[], max = 10): string {
  const lines = drift
    .slice(0, max)
    .map((d) => `• ${escapeMrkdwn(`${d.type} ${d.name ?? d.id}: ${d.change}`)}`);
  if (drift.length > max) lines.push(`• …and ${drift.length - max} more`);
  return lines.join('\n');
}

/**
 * A comparison of X and Y came in. A failure proposes a rollback at once (never rolls back by
 * itself); after `observeSeconds` at the current step, a passing comparison with an unchanged X
 * proposes the next step (or completion at 100 %).
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
  if (event.verdict === 'fail') {
    if (event.rollbackPending || run.phase === 'rolling_back')
      return { ok: true, patch: {}, events: [record], effects: [] };
    return {
      ok: true,
      patch: {},
      events: [record],
      effects: [
        {
          type: 'request_gate',
          kind: 'rollback',
          targetWeight: 0,
          reason: `Y is worse than X: ${escapeMrkdwn(event.failing.join('; '))}`,
          details: [`*Failing:*\n${event.failing.map((f) => `• ${f}`).join('\n')}`],
        },
      ],
    };
  }
  if (run.phase !== 'observing' || run.paused) return { ok: true, patch: {}, events: [record], effects: [] };
  const observedMs = now.getTime() - run.phaseStartedAt.getTime();
  if (observedMs < policy.observeSeconds * 1000)
    return { ok: true, patch: {}, events: [record], effects: [] };
  if (event.verdict === 'insufficient_data') return { ok: true, patch: {}, events: [record], effects: [] };
  if (event.drift === null) return { ok: true, patch: {}, events: [record], effects: [] };
  if (event.drift.length > 0) {
    return {
      ok: true,
      patch: { phase: 'awaiting_gate' },
      events: [{ ...record, kind: 'freeze.drift', details: { changes: event.drift } }],
      effects: [
        {
          type: 'thread',
          text: `:warning: *X's configuration changed during the write freeze*; traffic increases are blocked until this is resolved (rollback stays possible):\n${describeDrift(event.drift)}`,
        },
        { type: 'update_card' },
      ],
    };
  }
  const next = run.planSteps[run.stepIndex + 1];
  const details = [
    event.verdict === 'warn'
      ? `:warning: Comparison shows warnings: ${escapeMrkdwn(event.failing.join('; ')) || 'see the comparison'}`
      : ':white_check_mark: Comparison passes',
    ':snowflake: X unchanged since the freeze',
  ];
  const gate: Effect =
    next === undefined
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
          targetWeight: next,
          reason: `Y held ${run.appliedWeight ?? 0} % for ${Math.round(observedMs / 1000)} s`,
          details,
        };
  return {
    ok: true,
    patch: { phase: 'awaiting_gate' },
    events: [record],
    effects: [gate, { type: 'update_card' }],
  };
}
