import { escapeMrkdwn } from '../../domain/escape-mrkdwn.js';
import {
  MAX_REASON_CHARS,
  MAX_TICKET_CHARS,
  type ReasonCheck,
  readReason,
} from '../../domain/reason-required.js';
import type { SlackBlock } from '../notifier.js';

export const REASON_MODAL = 'gate.reason';
const REASON_BLOCK = 'reason';
const TICKET_BLOCK = 'ticket';

/** What the modal carries back in `private_metadata` (Slack returns it untouched, but it is input). */
export interface ReasonModalMetadata {
  gateId: string;
  action: 'approve' | 'reject';
}

/** The modal a reject or a rollback approval opens when `approvals.reasonRequired` names it. */
export function reasonModalView(input: {
  gateId: string;
  action: 'approve' | 'reject';
  for: 'reject' | 'rollback';
  title: string;
  runId: string;
}): Record<string, unknown> {
  const verb = input.for === 'reject' ? 'Reject' : 'Roll back';
  return {
    type: 'modal',
    callback_id: REASON_MODAL,
    private_metadata: JSON.stringify({
      gateId: input.gateId,
      action: input.action,
    } satisfies ReasonModalMetadata),
    title: { type: 'plain_text', text: input.for === 'reject' ? 'Reason to reject' : 'Reason to roll back' },
    submit: { type: 'plain_text', text: verb },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*${escapeMrkdwn(input.runId)}*: ${escapeMrkdwn(input.title)}\nThe reason is posted in the run's thread and kept in its audit log.`,
        },
      },
      {
        type: 'input',
        block_id: REASON_BLOCK,
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          multiline: true,
          min_length: 1,
          max_length: MAX_REASON_CHARS,
        },
      },
      {
        type: 'input',
        block_id: TICKET_BLOCK,
        optional: true,
        // Slack marks an optional input "(optional)" itself.
        label: { type: 'plain_text', text: 'Ticket' },
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          max_length: MAX_TICKET_CHARS,
          placeholder: { type: 'plain_text', text: 'e.g. OPS-1234' },
        },
      },
    ] satisfies SlackBlock[],
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ReasonSubmission =
  | {
      ok: true;
      gateId: string;
      action: 'approve' | 'reject';
      reason: Extract<ReasonCheck, { ok: true }>['reason'];
    }
  /** `errors` maps block ids to messages (Slack's `response_action: errors`); empty: the form is not ours. */
  | { ok: false; errors: Record<string, string> };

/** Reads a `view_submission` of the reason modal: its metadata and the two fields. */
export function readReasonSubmission(view: unknown): ReasonSubmission {
  const v = (view ?? {}) as { private_metadata?: unknown; state?: { values?: unknown } };
  let meta: unknown;
  try {
    meta = JSON.parse(typeof v.private_metadata === 'string' ? v.private_metadata : '');
  } catch {
    return { ok: false, errors: {} };
  }
  const m = (meta ?? {}) as Partial<ReasonModalMetadata>;
  if (
    typeof m.gateId !== 'string' ||
    !UUID.test(m.gateId) ||
    (m.action !== 'approve' && m.action !== 'reject')
  )
    return { ok: false, errors: {} };
  const values = (v.state?.values ?? {}) as Record<string, Record<string, { value?: unknown }> | undefined>;
  const checked = readReason(values[REASON_BLOCK]?.value?.value, values[TICKET_BLOCK]?.value?.value);
  if (!checked.ok) return { ok: false, errors: { [checked.field]: checked.message } };
  return { ok: true, gateId: m.gateId, action: m.action, reason: checked.reason };
}

/** What the modal shows after a submission that changed nothing (Slack's `response_action: update`). */
export function noticeView(title: string, text: string): Record<string, unknown> {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title.slice(0, 24) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }],
  };
}
