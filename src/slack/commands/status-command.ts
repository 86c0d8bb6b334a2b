import { describeEventKind } from '../../domain/describe-event.js';
import { escapeMrkdwn } from '../../domain/escape-mrkdwn.js';
import type { Run } from '../../domain/run.js';
import {
  cardFactsFrom,
  runCardBlocks,
  runSummaryLine,
  runTitle,
  slackTime,
} from '../blocks/run-card-blocks.js';
import type { SlackBlock } from '../notifier.js';
import type { RunRef } from '../parse-command.js';
import {
  type CommandDeps,
  type CommandInput,
  type CommandReply,
  ephemeral,
  messageLink,
} from './command-context.js';
import { findTargetRun } from './find-target-run.js';

/**
 * Replies rendered from one read, with the second they were rendered in. Reads served from memory are
 * the same object until their run changes, so a burst of `status` renders each run once a second.
 */
const rendered = new WeakMap<object, { second: number; reply: CommandReply }>();

export async function statusCommand(
  cmd: { run: RunRef | null },
  input: CommandInput,
  deps: CommandDeps,
): Promise<CommandReply> {
  // The run and its newest events in one read (the ack path's hot read, served from memory when warm).
  const runId = cmd.run?.id ?? (await findTargetRun(null, input, deps))?.id;
  const found = runId ? await deps.store.runs.getRunWithRecentEvents(runId, 5) : null;
  if (!found) {
    return ephemeral(
      cmd.run
        ? `There is no run ${cmd.run.id}. \`/kong-upgrade list\` shows the active and recent runs.`
        : 'No active run in this channel. `/kong-upgrade list` shows the active and recent runs.',
    );
  }
  const now = deps.now();
  const second = Math.floor(now.getTime() / 1000);
  const memo = rendered.get(found);
  if (memo?.second === second) return memo.reply;
  const { run, events } = found;
  const recent = events
    .map(
      (e) =>
        `• ${slackTime(e.at)} ${escapeMrkdwn(describeEventKind(e.kind, e.details))}${e.actor.startsWith('U') ? ` by <@${e.actor}>` : ''}`,
    )
    .join('\n');
  const reply = ephemeral(runTitle(run), [
    // No extra read on the ack path: what the recent events tell (a failing comparison) is shown.
    ...runCardBlocks(run, now, cardFactsFrom([], events)),
    { type: 'section', text: { type: 'mrkdwn', text: `*Recent events*\n${recent || '—'}` } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `Card: ${messageLink(run.channel, run.cardTs)}` }],
    },
  ]);
  rendered.set(found, { second, reply });
  return reply;
}

export async function listCommand(deps: CommandDeps): Promise<CommandReply> {
  const runs = await deps.store.runs.listRuns({ limit: 20 });
  if (runs.length === 0) return ephemeral('No runs yet. Start one with `/kong-upgrade start <environment>`.');
  const line = (r: Run) => `• ${runSummaryLine(r)} ${messageLink(r.channel, r.cardTs)}`;
  const active = runs.filter((r) => r.finishedAt === null);
  const recent = runs.filter((r) => r.finishedAt !== null);
  const text = [
    `*Active runs* (${active.length})`,
    ...(active.length ? active.map(line) : ['—']),
    `*Recent runs*`,
    ...(recent.length ? recent.map(line) : ['—']),
  ].join('\n');
  // One section per run: a single section would pass Slack's 3,000 characters with about 20 runs.
  const section = (t: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text: t } });
  return ephemeral(text, [
    section(`*Active runs* (${active.length})`),
    ...(active.length ? active.map((r) => section(line(r))) : [section('—')]),
    section('*Recent runs*'),
    ...(recent.length ? recent.map((r) => section(line(r))) : [section('—')]),
  ]);
}
