import { type Decision, refuse } from './decision.js';
import { phaseLabel } from './describe-run.js';
import type { DomainEvent } from './domain-event.js';
import { isTerminal, type Run } from './run.js';

type RequestEvent = Extract<DomainEvent, { type: 'shift_requested' | 'rollback_requested' }>;

/** `/kong-upgrade shift` and `/kong-upgrade rollback`: they only ask for an approval. */
export function decideRequest(run: Run, event: RequestEvent): Decision {
  if (isTerminal(run.phase)) return refuse(`${run.id} has already ended (${phaseLabel(run.phase)}).`);
  const current = run.appliedWeight ?? 0;
  if (event.type === 'rollback_requested') {
    if (run.phase === 'rolling_back') return refuse(`${run.id} is already rolling back.`);
    return {
      ok: true,
      patch: {},
      events: [
        { actor: event.actor, kind: 'command.rollback', phase: run.phase, details: { from: current } },
      ],
      effects: [
        {
          type: 'request_gate',
          kind: 'rollback',
          targetWeight: 0,
          requestedBy: event.actor,
          reason: `Rollback requested by <@${event.actor}> (Y has ${current} %)`,
        },
      ],
    };
  }
  if (run.phase !== 'awaiting_gate' && run.phase !== 'observing') {
    return refuse(
      `${run.id} is in ${phaseLabel(run.phase).toLowerCase()}; a traffic step can be asked for once Y is verified and no step is being applied.`,
    );
  }
  if (event.percent === current) return refuse(`Y already has ${current} % of the traffic.`);
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
