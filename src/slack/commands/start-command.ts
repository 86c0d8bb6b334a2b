import { changeWindowsFor } from '../../config/change-windows-schema.js';
import { changeWindowState, describeClosedWindow } from '../../domain/change-window-state.js';
import { phaseLabel } from '../../domain/describe-run.js';
import { jobIdFor } from '../../domain/job-names.js';
import { isAppError } from '../../errors.js';
import { channelRefusal } from '../channel-access.js';
import type { Command } from '../parse-command.js';
import {
  type CommandDeps,
  type CommandInput,
  type CommandReply,
  ephemeral,
  messageLink,
} from './command-context.js';

type StartCommand = Extract<Command, { kind: 'start' }>;

/** Ack path: write the run, enqueue preflight, ack; the card and thread are posted after the ack. */
export async function startCommand(
  cmd: StartCommand,
  input: CommandInput,
  deps: CommandDeps,
): Promise<CommandReply> {
  const env = deps.config.environments[cmd.environment];
  if (!env) return ephemeral(`Unknown environment "${cmd.environment}".`);
  const channel = deps.config.slack?.channel ?? input.channelId;
  const access = await deps.channelAccess?.(channel);
  // Refused before anything is written: no run is left behind where nobody could see its gates.
  if (access?.status === 'refused')
    return ephemeral(channelRefusal(channel, access.reason, deps.botName ?? 'kong-upgrade'));
  if (!cmd.dryRun) {
    // A run that ended without bringing traffic back left a live split: a new run would start on top of it.
    const leftover = await deps.store.runs.findRunLeavingTraffic(cmd.environment);
    if (leftover) {
      return ephemeral(
        `${cmd.environment} cannot start a new run: *${leftover.id}* ended (${phaseLabel(leftover.phase).toLowerCase()}) with Y still at ${leftover.appliedWeight ?? 0} % (${messageLink(leftover.channel, leftover.cardTs)}). Roll it back first with \`/kong-upgrade rollback ${leftover.id}\`. Nothing changed.`,
      );
    }
  }
  const created = await deps.store.runs.createRun(
    {
      environment: cmd.environment,
      requestedBy: input.userId,
      channel,
      planSteps: cmd.steps ?? [...env.plan.steps],
      dryRun: cmd.dryRun,
      toVersion: env.clusterY.version,
    },
    {
      actor: input.userId,
      kind: 'command.start',
      phase: 'preflight',
      details: { text: input.text, channel: input.channelId, steps: cmd.steps, dryRun: cmd.dryRun },
    },
  );
  if (!created.ok) {
    const active = created.activeRun;
    return ephemeral(
      `${cmd.environment} already has an active run: *${active.id}* (${phaseLabel(active.phase)}), started by <@${active.requestedBy}>: ${messageLink(active.channel, active.cardTs)}. Only one run per environment at a time; finish or abort it first.`,
    );
  }
  const run = created.run;
  let queued = true;
  try {
    await deps.queue.enqueue({
      job: 'preflight',
      jobId: jobIdFor(run.id, 'preflight'),
      payload: { v: 1, runId: run.id },
    });
  } catch (err) {
    // The run is stored; the reconciler enqueues its job when Redis is back.
    queued = false;
    deps.log.warn(
      { runId: run.id, err: isAppError(err) ? err.code : String(err) },
      'enqueue failed in the ack path',
    );
  }
  const where = channel === input.channelId ? 'here' : `in <#${channel}>`;
  const text = cmd.dryRun
    ? `Dry run *${run.id}* started: preflight checks and the plan will be posted ${where}. Nothing will change.`
    : `Run *${run.id}* started: ${run.planSteps.join(' → ')} % to Y ${env.clusterY.version}. Progress ${where}; every traffic step needs an approval.`;
  // Preparation is safe in any window; only traffic waits, and the starter hears when it may move.
  const windows = cmd.dryRun ? undefined : changeWindowsFor(deps.config, env);
  const window = windows ? changeWindowState(windows, await deps.store.runs.time()) : undefined;
  const waits = window && !window.open ? ` No traffic moves now: ${describeClosedWindow(window)}.` : '';
  return {
    ack: {
      response_type: 'ephemeral',
      text: queued
        ? `${text}${waits}`
        : `${text}${waits} The job queue is not reachable right now; the run starts as soon as it is back.`,
    },
    after: async () => {
      const applied = await deps.engine.apply(run.id, { type: 'run_created', actor: input.userId });
      if (applied.ok) await applied.deferred();
    },
    followUp: () => cardFollowUp(run.id, deps),
  };
}

/**
 * After the card went out: a link to it (chat.getPermalink). When Slack has not taken the card yet, says
 * so: it is posted as soon as Slack takes it.
 */
async function cardFollowUp(runId: string, deps: CommandDeps): Promise<string | null> {
  const run = await deps.store.runs.getRun(runId);
  if (!run) return null;
  if (!run.cardTs)
    return `The card of *${run.id}* could not be posted in <#${run.channel}> yet (Slack did not take it); it appears there as soon as Slack does. The run goes on.`;
  const link = await deps.permalink?.(run.channel, run.cardTs).catch(() => null);
  return `Card of *${run.id}* posted: ${link ? `<${link}|${run.id}>` : messageLink(run.channel, run.cardTs, run.id)}`;
}
