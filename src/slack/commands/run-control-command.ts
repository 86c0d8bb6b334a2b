import type { DomainEvent } from '../../domain/domain-event.js';
import { canRollBack, isTerminal } from '../../domain/run.js';
import { MEMBERSHIP_UNKNOWN_REPLY } from '../approver-directory.js';
import type { RunRef } from '../parse-command.js';
import { usageLine } from '../usage.js';
import { type CommandDeps, type CommandInput, type CommandReply, ephemeral } from './command-context.js';

export type ControlCommand =
  | { kind: 'abort' | 'pause' | 'resume' | 'rollback'; run: RunRef }
  | { kind: 'shift'; run: RunRef; percent: number };

function eventFor(cmd: ControlCommand, actor: string): DomainEvent {
  switch (cmd.kind) {
    case 'abort':
      return { type: 'abort_requested', actor };
    case 'pause':
      return { type: 'pause_requested', actor };
    case 'resume':
      return { type: 'resume_requested', actor };
    case 'rollback':
      return { type: 'rollback_requested', actor };
    case 'shift':
      return { type: 'shift_requested', actor, percent: cmd.percent };
  }
}

const DONE: Record<ControlCommand['kind'], string> = {
  abort: 'aborted',
  pause: 'paused',
  resume: 'resumed',
  rollback: 'rollback approval requested in the thread',
  shift: 'approval requested in the thread',
};

/**
 * abort / pause / resume / shift / rollback on a run: allowed to the one who started it and to
 * approvers, refused (and audited) for anyone else. shift and rollback only ask for an approval.
 */
export async function runControlCommand(
  cmd: ControlCommand,
  input: CommandInput,
  deps: CommandDeps,
): Promise<CommandReply> {
  const run = await deps.store.runs.getRun(cmd.run.id);
  // An aborted or failed run that left Y traffic can still be rolled back: the split is live.
  const open =
    run && (cmd.kind === 'rollback' ? canRollBack(run) || !isTerminal(run.phase) : !isTerminal(run.phase));
  if (!run || !open) {
    const why = run ? `${run.id} has already ended (${run.phase})` : `There is no run ${cmd.run.id}`;
    return ephemeral(`${why}; nothing to ${cmd.kind}.\nUsage: \`${usageLine(cmd.kind)}\``);
  }
  if (input.userId !== run.requestedBy && deps.approverMembership?.(input.userId) === 'unknown') {
    await deps.store.events.appendEvent(run.id, {
      actor: input.userId,
      kind: `command.${cmd.kind}.refused`,
      phase: run.phase,
      details: { reason: 'membership_unknown' },
    });
    return ephemeral(MEMBERSHIP_UNKNOWN_REPLY);
  }
  if (input.userId !== run.requestedBy && !(await deps.isApprover(input.userId))) {
    await deps.store.events.appendEvent(run.id, {
      actor: input.userId,
      kind: `command.${cmd.kind}.refused`,
      phase: run.phase,
      details: { reason: 'not_allowed' },
    });
    return ephemeral(
      `Only <@${run.requestedBy}> (who started ${run.id}) or an approver may ${cmd.kind === 'rollback' ? 'roll back' : cmd.kind} it. Nothing changed.`,
    );
  }
  const result = await deps.engine.apply(run.id, eventFor(cmd, input.userId));
  if (!result.ok) return ephemeral(`${result.reason} Nothing changed.`);
  // The decision committed: say so even when a follow-up failed (the reconciler finishes it).
  const delayed = result.delayed.length > 0 ? ` Note: ${result.delayed.join('; ')}.` : '';
  const extra =
    cmd.kind === 'abort'
      ? ` Its jobs are stopped; traffic stays where it is (recorded: Y ${result.run.appliedWeight ?? 0} %); the bot reads the router back and reports the split in the thread.`
      : '';
  const what =
    cmd.kind === 'shift' ? `${run.id}: ${cmd.percent} % to Y, ${DONE.shift}` : `${run.id} ${DONE[cmd.kind]}`;
  return { ack: { response_type: 'ephemeral', text: `${what}.${extra}${delayed}` }, after: result.deferred };
}
