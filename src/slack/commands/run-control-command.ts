import type { DomainEvent } from '../../domain/domain-event.js';
import { isTerminal } from '../../domain/run.js';
import type { RunRef } from '../parse-command.js';
import { usageLine } from '../usage.js';
import { type CommandDeps, type CommandInput, type CommandReply, ephemeral } from './command-context.js';

type ControlCommand = { kind: 'abort' | 'pause' | 'resume'; run: RunRef };

const EVENT: Record<ControlCommand['kind'], 'abort_requested' | 'pause_requested' | 'resume_requested'> = {
  abort: 'abort_requested',
  pause: 'pause_requested',
  resume: 'resume_requested',
};

/** abort / pause / resume: allowed to the one who started the run and to approvers; audited either way. */
export async function runControlCommand(
  cmd: ControlCommand,
  input: CommandInput,
  deps: CommandDeps,
): Promise<CommandReply> {
  const run = await deps.store.runs.getRun(cmd.run.id);
  if (!run || isTerminal(run.phase)) {
    const why = run ? `${run.id} has already ended (${run.phase})` : `There is no run ${cmd.run.id}`;
    return ephemeral(`${why}; nothing to ${cmd.kind}.\nUsage: \`${usageLine(cmd.kind)}\``);
  }
  if (input.userId !== run.requestedBy && !(await deps.isApprover(input.userId))) {
    await deps.store.events.appendEvent(run.id, {
      actor: input.userId,
      kind: `command.${cmd.kind}.refused`,
      phase: run.phase,
      details: { reason: 'not_allowed' },
    });
    return ephemeral(
      `Only <@${run.requestedBy}> (who started ${run.id}) or an approver may ${cmd.kind} it. Nothing changed.`,
    );
  }
  const event = { type: EVENT[cmd.kind], actor: input.userId } as DomainEvent;
  const result = await deps.engine.apply(run.id, event);
  if (!result.ok) return ephemeral(`${result.reason} Nothing changed.`);
  const done = { abort: 'aborted', pause: 'paused', resume: 'resumed' }[cmd.kind];
  const extra =
    cmd.kind === 'abort'
      ? ` Its jobs are stopped; traffic stays where it is (Y ${result.run.appliedWeight ?? 0} %).`
      : '';
  return { ack: { response_type: 'ephemeral', text: `${run.id} ${done}.${extra}` }, after: result.deferred };
}
