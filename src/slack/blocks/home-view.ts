import { gateTitle } from '../../domain/decide-gate.js';
import { phaseLabel } from '../../domain/describe-run.js';
import type { Gate } from '../../domain/gate.js';
import type { Run } from '../../domain/run.js';
import { messageLink } from '../commands/command-context.js';
import type { SlackBlock } from '../notifier.js';
import { slackDate, versionsText } from './run-card-blocks.js';
import { HOME_START_ACTION } from './start-modal-view.js';

const MAX_ACTIVE = 20;
const MAX_RECENT = 10;

function split(run: Run): string {
  const y = run.appliedWeight ?? 0;
  return `X ${100 - y} % / Y ${y} %`;
}

/** The run's id, linked to its card (or naming its channel until the card is posted). */
function runLink(run: Run): string {
  return run.cardTs
    ? `*${messageLink(run.channel, run.cardTs, run.id)}*`
    : `*${run.id}* in <#${run.channel}>`;
}

function runLine(run: Run, pending: readonly Gate[]): string {
  const link = runLink(run);
  const paused = run.paused ? ' (paused)' : '';
  const lines = [
    `${link}${run.dryRun ? ' (dry run)' : ''} · ${phaseLabel(run.phase)}${paused} · ${split(run)}`,
    `${versionsText(run)} · started by <@${run.requestedBy}> ${slackDate(run.createdAt)}`,
  ];
  for (const g of pending.slice(0, 3))
    lines.push(
      `:raised_hand: Waiting for approval: ${gateTitle(g.kind, g.targetWeight)} (in the run's thread)`,
    );
  return lines.join('\n');
}

/** The App Home tab: a start button, the active runs with their split and open approvals, recent runs. */
export function homeView(input: {
  active: readonly Run[];
  recent: readonly Run[];
  pending: ReadonlyMap<string, readonly Gate[]>;
}): Record<string, unknown> {
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Kong upgrades' } },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: HOME_START_ACTION,
          style: 'primary',
          text: { type: 'plain_text', text: 'Start an upgrade' },
        },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: '*Active runs*' } },
  ];
  if (input.active.length === 0)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'No run is active.' }] });
  for (const run of input.active.slice(0, MAX_ACTIVE))
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: runLine(run, input.pending.get(run.id) ?? []) },
    });
  if (input.active.length > MAX_ACTIVE)
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `…and ${input.active.length - MAX_ACTIVE} more: \`/kong-upgrade list\`` },
      ],
    });
  blocks.push({ type: 'divider' }, { type: 'section', text: { type: 'mrkdwn', text: '*Recent runs*' } });
  if (input.recent.length === 0)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'No run has ended yet.' }] });
  for (const run of input.recent.slice(0, MAX_RECENT)) {
    const ended = run.finishedAt ?? run.updatedAt;
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${runLink(run)}${run.dryRun ? ' (dry run)' : ''} · ${phaseLabel(run.phase)} · ${split(run)} · ${slackDate(ended)}`,
      },
    });
  }
  return { type: 'home', blocks };
}
