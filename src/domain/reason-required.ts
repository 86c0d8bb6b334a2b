/** What `approvals.reasonRequired` can name. */
export type ReasonAction = 'reject' | 'rollback';

export const REASON_ACTIONS: readonly ReasonAction[] = ['reject', 'rollback'];

/** A decision's written reason (and an optional ticket), asked for in a Slack modal. */
export interface DecisionReason {
  text: string;
  ticket: string | null;
}

export const MAX_REASON_CHARS = 500;
export const MAX_TICKET_CHARS = 64;

/**
 * Which kind of reason a click needs before it may decide its gate, or null: a reject of any gate
 * (`reject`), or the approval that starts a rollback (`rollback`). Approvals of steps never need one.
 */
export function reasonNeededFor(
  gateKind: 'shift' | 'rollback' | 'complete',
  action: 'approve' | 'reject',
  required: readonly ReasonAction[],
): ReasonAction | null {
  if (action === 'reject') return required.includes('reject') ? 'reject' : null;
  return gateKind === 'rollback' && required.includes('rollback') ? 'rollback' : null;
}

export type ReasonCheck =
  | { ok: true; reason: DecisionReason }
  | { ok: false; field: 'reason' | 'ticket'; message: string };

/**
 * A reason as typed in the modal: trimmed, NULs and control characters out, within its limits. Empty
 * or blank reasons are refused (Slack marks the field required, but a payload is only what it says).
 */
export function readReason(rawText: unknown, rawTicket: unknown): ReasonCheck {
  // Control characters other than newline and tab are dropped (PostgreSQL refuses NUL in text).
  const clean = (v: unknown) =>
    typeof v === 'string'
      ? [...v]
          .filter((c) => c === '\n' || c === '\t' || (c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f))
          .join('')
          .trim()
      : '';
  const text = clean(rawText);
  const ticket = clean(rawTicket);
  if (text === '') return { ok: false, field: 'reason', message: 'Please write a reason.' };
  if (text.length > MAX_REASON_CHARS)
    return {
      ok: false,
      field: 'reason',
      message: `Please keep the reason under ${MAX_REASON_CHARS} characters.`,
    };
  if (ticket.length > MAX_TICKET_CHARS)
    return { ok: false, field: 'ticket', message: `A ticket id has at most ${MAX_TICKET_CHARS} characters.` };
  if (ticket !== '' && !/^[\w.#:/-]+$/.test(ticket))
    return {
      ok: false,
      field: 'ticket',
      message: 'A ticket id is one word such as OPS-1234 (letters, digits, . # : / - _).',
    };
  return { ok: true, reason: { text, ticket: ticket === '' ? null : ticket } };
}
