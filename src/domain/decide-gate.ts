import { type Decision, refuse } from './decision.js';
import type { DomainEvent } from './domain-event.js';
import type { Effect } from './effects.js';
import { gateJobId } from './job-names.js';
import { isTerminal, type Run } from './run.js';

type GateEvent = Extract<DomainEvent, { type: 'gate_decided' | 'gate_expired' }>;

export function gateTitle(kind: 'shift' | 'rollback' | 'complete', targetWeight: number): string {
  if (kind === 'rollback') return 'Roll back: send 100 % of traffic to X';
  if (kind === 'complete') return 'Complete the upgrade: Y keeps 100 % and X can be decommissioned';
  return `Shift ${targetWeight} % of traffic to Y`;
}

export function decideGate(run: Run, event: GateEvent): Decision {
  const { gate } = event;
  const title = gateTitle(gate.kind, gate.targetWeight);
  if (event.type === 'gate_expired') {
    return {
      ok: true,
      patch: {},
      events: [],
      effects: [
        {
          type: 'thread',
          text: `:hourglass: The approval "${title}" expired unanswered. Nothing changed. Ask again with \`/kong-upgrade ${gate.kind === 'rollback' ? `rollback ${run.id}` : `shift ${run.id} <percent>`}\`.`,
        },
      ],
    };
  }
  if (isTerminal(run.phase)) return refuse(`${run.id} has already ended.`);
  if (event.outcome === 'rejected') {
    return {
      ok: true,
      patch: {},
      events: [],
      effects: [
        { type: 'thread', text: `:no_entry: <@${event.actor}> rejected "${title}". Nothing changed.` },
      ],
    };
  }
  const approved: Effect = {
    type: 'thread',
    text: `:white_check_mark: <@${event.actor}> approved "${title}".`,
  };
  switch (gate.kind) {
    case 'shift':
      return {
        ok: true,
        patch: { phase: 'shifting' },
        events: [],
        effects: [
          approved,
          { type: 'update_card' },
          {
            type: 'enqueue',
            job: 'shift',
            jobId: gateJobId(gate.id),
            data: { gateId: gate.id, targetWeight: gate.targetWeight },
          },
        ],
      };
    case 'rollback':
      return {
        ok: true,
        patch: { phase: 'rolling_back', paused: false },
        events: [],
        effects: [
          { type: 'cancel_jobs' },
          { type: 'close_gates', reason: 'a rollback was approved' },
          approved,
          { type: 'update_card' },
          {
            type: 'enqueue',
            job: 'rollback',
            jobId: gateJobId(gate.id),
            data: { gateId: gate.id, targetWeight: 0 },
          },
        ],
      };
    case 'complete':
      return {
        ok: true,
        patch: { phase: 'completing' },
        events: [],
        effects: [
          approved,
          { type: 'update_card' },
          { type: 'enqueue', job: 'complete', jobId: gateJobId(gate.id), data: { gateId: gate.id } },
        ],
      };
  }
}
