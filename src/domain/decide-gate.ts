import { type Decision, refuse } from './decision.js';
import type { DomainEvent } from './domain-event.js';
import type { Effect } from './effects.js';
import { escapeMrkdwn } from './escape-mrkdwn.js';
import { gateJobId } from './job-names.js';
import type { DecisionReason } from './reason-required.js';
import { canRollBack, isTerminal, type Run } from './run.js';

type GateEvent = Extract<DomainEvent, { type: 'gate_decided' | 'gate_expired' }>;

export function gateTitle(kind: 'shift' | 'rollback' | 'complete', targetWeight: number): string {
  if (kind === 'rollback') return 'Roll back: send 100 % of traffic to X';
  if (kind === 'complete') return 'Complete the upgrade: Y keeps 100 % and X can be decommissioned';
  return `Shift ${targetWeight} % of traffic to Y`;
}

/**
 * After a shift or completion gate closed without effect, the run goes back to watching its current
 * step (so the plan's next gate is offered again when its preconditions hold), or stays waiting when
 * Y has no traffic yet (nothing is compared then; a person asks for the first step).
 */
function afterClosedStep(run: Run): Partial<Pick<Run, 'phase'>> {
  return run.phase === 'awaiting_gate' && (run.appliedWeight ?? 0) > 0 ? { phase: 'observing' } : {};
}

/** The reason as the thread shows it: quoted, escaped (it is user text), with its ticket. */
function reasonLine(reason: DecisionReason): string {
  const ticket = reason.ticket ? ` (ticket ${escapeMrkdwn(reason.ticket)})` : '';
  // One line: a reason's own line breaks must not read as further lines of the bot.
  return ` Reason: "${escapeMrkdwn(reason.text.replace(/\s*[\r\n]+\s*/g, ' '))}"${ticket}.`;
}

export function decideGate(run: Run, event: GateEvent): Decision {
  const { gate } = event;
  const title = gateTitle(gate.kind, gate.targetWeight);
  const stepGate = gate.kind !== 'rollback';
  if (event.type === 'gate_expired') {
    return {
      ok: true,
      patch: stepGate && !isTerminal(run.phase) ? afterClosedStep(run) : {},
      events: [],
      effects: [
        {
          type: 'thread',
          text: `:hourglass: The approval "${title}" expired unanswered. Nothing changed.${stepGate ? " The plan's next step is offered again when its conditions hold, or ask with `/kong-upgrade shift " + run.id + ' <percent>`.' : ` Ask again with \`/kong-upgrade rollback ${run.id}\`.`}`,
        },
        { type: 'update_card' },
      ],
    };
  }
  if (gate.kind === 'rollback' ? !canRollBack(run) : isTerminal(run.phase)) {
    return refuse(
      run.phase === 'rolling_back' ? `${run.id} is already rolling back.` : `${run.id} has already ended.`,
    );
  }
  const because = event.reason ? reasonLine(event.reason) : '';
  if (event.outcome === 'rejected') {
    return {
      ok: true,
      patch: stepGate ? afterClosedStep(run) : {},
      events: [],
      effects: [
        {
          type: 'thread',
          text: `:no_entry: <@${event.actor}> rejected "${title}".${because} Nothing changed.`,
        },
        { type: 'update_card' },
      ],
    };
  }
  const approved: Effect = {
    type: 'thread',
    text: `:white_check_mark: <@${event.actor}> approved "${title}".${because}`,
  };
  if (stepGate && run.phase !== 'awaiting_gate' && run.phase !== 'observing') {
    // Checked again here: the run may have moved (a rollback began) between the click and now.
    return refuse(`${run.id} is ${run.phase.replaceAll('_', ' ')}, so "${title}" can no longer take effect.`);
  }
  switch (gate.kind) {
    case 'shift':
      return {
        ok: true,
        patch: { phase: 'shifting', inFlightGateId: gate.id },
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
        patch: { phase: 'rolling_back', paused: false, inFlightGateId: gate.id, finishedAt: null },
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
      if ((run.appliedWeight ?? 0) !== 100) {
        return refuse(`completion needs Y confirmed at 100 %, and Y has ${run.appliedWeight ?? 0} %.`);
      }
      return {
        ok: true,
        patch: { phase: 'completing', inFlightGateId: gate.id },
        events: [],
        effects: [
          approved,
          { type: 'update_card' },
          { type: 'enqueue', job: 'complete', jobId: gateJobId(gate.id), data: { gateId: gate.id } },
        ],
      };
  }
}
