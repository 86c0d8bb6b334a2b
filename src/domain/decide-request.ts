import type { ObservationPolicy } from './decide-observation.js';
import { type Decision, refuse } from './decision.js';
import { phaseLabel } from './describe-run.js';
import type { DomainEvent } from './domain-event.js';
import { increaseBlockers } from './increase-blockers.js';
import { canRollBack, isTerminal, type Run } from './run.js';

type RequestEvent = Extract<DomainEvent, { type: 'shift_requested' | 'rollback_requested' }>;

/**
 * `/kong-upgrade shift` and `/kong-upgrade rollback`: they only ask for an approval. A shift upward
 * obeys the same rules as the plan's own steps (increaseBlockers); a shift down, like a rollback, may
 * be asked for at any step. A rollback stays possible after an abort or failure that left Y traffic.
 */
export function decideRequest(run: Run, event: RequestEvent, now: Date, policy: ObservationPolicy): Decision {
  const current = run.appliedWeight ?? 0;
  if (event.type === 'rollback_requested') {
    if (!canRollBack(run)) {
      return refuse(
        run.phase === 'rolling_back'
          ? `${run.id} is already rolling back.`
          : `${run.id} has already ended (${phaseLabel(run.phase)}) with Y at ${current} %; there is nothing to roll back.`,
      );
    }
    return {
      ok: true,
      // The rollback gate replaces a pending step (see GateStore.createGate).
      patch: run.phase === 'awaiting_gate' && current > 0 ? { phase: 'observing' } : {},
      events: [
        {
          actor: event.actor,
          kind: 'command.rollback',
          phase: run.phase,
          // Break-glass: a rollback asked for while the change window is closed is labelled so.
          details: { from: current, ...(policy.window?.open === false ? { outsideChangeWindow: true } : {}) },
        },
      ],
      effects: [
        {
          type: 'request_gate',
          kind: 'rollback',
          targetWeight: 0,
          requestedBy: event.actor,
          reason: `Rollback requested by <@${event.actor}> (Y has ${current} %)`,
        },
        { type: 'update_card' },
      ],
    };
  }
  if (isTerminal(run.phase)) return refuse(`${run.id} has already ended (${phaseLabel(run.phase)}).`);
  if (run.phase !== 'awaiting_gate' && run.phase !== 'observing') {
    return refuse(
      `${run.id} is in ${phaseLabel(run.phase).toLowerCase()}; a traffic step can be asked for once Y is verified and no step is being applied.`,
    );
  }
  if (event.percent === current) return refuse(`Y already has ${current} % of the traffic.`);
  if (event.percent > current) {
    const blockers = increaseBlockers(
      run,
      { kind: 'shift', weight: event.percent },
      {
        now,
        observeSeconds: policy.observeSeconds,
        rollbackPending: policy.rollbackPending === true,
        window: policy.window,
      },
    );
    if (blockers.length > 0) {
      return refuse(`Y cannot get ${event.percent} % now: ${blockers.join('; ')}.`);
    }
  }
  return {
    ok: true,
    patch: { phase: 'awaiting_gate' },
    events: [
      {
        actor: event.actor,
        kind: 'command.shift',
        phase: run.phase,
        details: { from: current, to: event.percent },
      },
    ],
    effects: [
      {
        type: 'request_gate',
        kind: 'shift',
        targetWeight: event.percent,
        requestedBy: event.actor,
        reason: `Requested by <@${event.actor}> (Y has ${current} %)`,
      },
      { type: 'update_card' },
    ],
  };
}
