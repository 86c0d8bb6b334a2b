import { gateTitle } from '../../domain/decide-gate.js';
import { escapeMrkdwn } from '../../domain/escape-mrkdwn.js';
import type { Gate } from '../../domain/gate.js';
import type { Run } from '../../domain/run.js';
import type { SlackBlock } from '../notifier.js';
import { slackDate } from './run-card-blocks.js';

export const APPROVE_ACTION = 'gate.approve';
export const REJECT_ACTION = 'gate.reject';

export interface GateContext {
  reason: string;
  /** Extra mrkdwn shown above the buttons: latest comparison, write-freeze state. */
  details?: string[];
  /** Mentions, e.g. the approvers on a rollback gate. */
  mention?: string;
  /** Who approved so far, when the gate needs several distinct approvers. */
  approvedBy?: readonly string[];
  /** `approvals.requiredGroups`, named on increase gates. */
  requiredGroups?: readonly string[];
  /** The run's chart (an image uploaded for this gate), shown in the message itself. */
  chart?: { fileId: string; altText: string };
}

/** The chart as an image block of the gate message. */
function chartBlock(chart: { fileId: string; altText: string }): SlackBlock {
  return {
    type: 'image',
    slack_file: { id: chart.fileId },
    alt_text: chart.altText.slice(0, 2000),
  };
}

/** "Approvals: 1 of 2 (<@U1>); 1 more needed", for gates that need several approvers; else empty. */
export function approvalsLine(
  gate: Gate,
  approvedBy: readonly string[],
  requiredGroups: readonly string[] = [],
): string {
  if (gate.kind === 'rollback' || (gate.requiredApprovals <= 1 && requiredGroups.length === 0)) return '';
  const who = approvedBy.length > 0 ? ` (${approvedBy.map((u) => `<@${u}>`).join(', ')})` : '';
  const missing = gate.requiredApprovals - approvedBy.length;
  const groups =
    requiredGroups.length > 0
      ? ` Also needed: an approver from ${requiredGroups.map((g) => `<!subteam^${g}>`).join(', ')}.`
      : '';
  const more = missing > 0 ? `; ${missing} more needed, each from a different approver.` : '.';
  return `:busts_in_silhouette: Approvals: ${approvedBy.length} of ${gate.requiredApprovals}${who}${more}${groups}`;
}

export function gateText(gate: Gate, run: Run): string {
  return `${run.id}: ${gateTitle(gate.kind, gate.targetWeight)}${gate.kind === 'shift' && run.toVersion ? ` (${escapeMrkdwn(run.toVersion)})` : ''}`;
}

/** A pending gate: what approving does, why it is asked, and the two buttons. */
export function gateBlocks(gate: Gate, run: Run, context: GateContext): SlackBlock[] {
  const needsConfirm = gate.kind !== 'shift' || gate.targetWeight === 100;
  const approve: SlackBlock = {
    type: 'button',
    action_id: APPROVE_ACTION,
    text: { type: 'plain_text', text: 'Approve' },
    style: gate.kind === 'rollback' ? 'danger' : 'primary',
    value: gate.id,
  };
  if (needsConfirm) {
    approve.confirm = {
      title: { type: 'plain_text', text: 'Are you sure?' },
      text: { type: 'plain_text', text: gateTitle(gate.kind, gate.targetWeight).slice(0, 300) },
      confirm: { type: 'plain_text', text: 'Approve' },
      deny: { type: 'plain_text', text: 'Cancel' },
      ...(gate.kind === 'rollback' ? { style: 'danger' } : {}),
    };
  }
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${context.mention ? `${context.mention} ` : ''}*${gateText(gate, run)}*`,
      },
    },
    ...(context.details ?? []).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
    ...(context.chart ? [chartBlock(context.chart)] : []),
    ...(approvalsLine(gate, context.approvedBy ?? [], context.requiredGroups)
      ? [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: approvalsLine(gate, context.approvedBy ?? [], context.requiredGroups),
            },
          },
        ]
      : []),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${context.reason}. Expires ${slackDate(gate.expiresAt)}.${gate.kind !== 'rollback' ? ' The one who started the run may not approve it (four-eyes rule).' : ''}`,
        },
      ],
    },
    {
      type: 'actions',
      block_id: `gate.${gate.id}`,
      elements: [
        approve,
        {
          type: 'button',
          action_id: REJECT_ACTION,
          text: { type: 'plain_text', text: 'Reject' },
          value: gate.id,
        },
      ],
    },
  ];
}

/** A decided, expired or superseded gate: the buttons are gone, the outcome stays readable. */
export function closedGateBlocks(
  gate: Gate,
  run: Run,
  note?: string,
  reason?: string | null,
  chart?: { fileId: string; altText: string } | null,
): SlackBlock[] {
  const by = gate.decidedBy ? ` by <@${gate.decidedBy}>` : '';
  const when = gate.decidedAt ? ` ${slackDate(gate.decidedAt)}` : '';
  const icon = {
    approved: ':white_check_mark:',
    rejected: ':no_entry:',
    expired: ':hourglass:',
    superseded: ':fast_forward:',
    pending: ':grey_question:',
  }[gate.status];
  // What the gate showed when it was asked for (the comparison, the freeze), so a decided gate still
  // says on what grounds it was decided.
  const shown = Array.isArray(gate.comparison)
    ? gate.comparison.filter((line): line is string => typeof line === 'string')
    : [];
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `*${gateText(gate, run)}*` } },
    ...(reason ? [{ type: 'section', text: { type: 'mrkdwn', text: `${reason.replace(/\.$/, '')}.` } }] : []),
    ...shown.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
    ...(chart ? [chartBlock(chart)] : []),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${icon} ${gate.status[0]?.toUpperCase()}${gate.status.slice(1)}${by}${when}${note ? ` · ${note}` : ''}`,
        },
      ],
    },
  ];
}
