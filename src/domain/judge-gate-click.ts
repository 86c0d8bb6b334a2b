import type { Gate } from './gate.js';
import { isTerminal, type Run } from './run.js';
import type { NewRunEvent } from './run-event.js';

export interface GateClick {
  userId: string;
  action: 'approve' | 'reject';
  now: Date;
  /** Resolved by the caller from `approvals.approvers` and the members of `approverGroups`. */
  userIsApprover: boolean;
  fourEyes: boolean;
}

export type GateJudgement =
  | { outcome: 'approved' | 'rejected'; event: NewRunEvent }
  | { outcome: 'refused'; reason: string; event: NewRunEvent };

/**
 * The approval rules of docs/architecture.md#phases, pure. Called inside the transaction that holds the gate row
 * locked, so what it sees is what gets decided.
 */
export function judgeGateClick(gate: Gate, run: Run, click: GateClick): GateJudgement {
  const base = { actor: click.userId, phase: run.phase };
  const details = { gateId: gate.id, kind: gate.kind, targetWeight: gate.targetWeight, action: click.action };
  const refused = (code: string, reason: string): GateJudgement => ({
    outcome: 'refused',
    reason,
    event: { ...base, kind: 'gate.refused', details: { ...details, code } },
  });

  if (gate.status !== 'pending') {
    const by = gate.decidedBy ? ` by <@${gate.decidedBy}>` : '';
    return refused(
      'not_pending',
      `This approval is no longer open: it was ${gate.status}${by}. Nothing changed.`,
    );
  }
  if (gate.expiresAt.getTime() <= click.now.getTime()) {
    return refused('expired', 'This approval has expired. Nothing changed; ask again with a new command.');
  }
  if (isTerminal(run.phase)) {
    return refused('run_ended', `${run.id} has already ended (${run.phase}). Nothing changed.`);
  }
  if (!click.userIsApprover) {
    return refused(
      'not_approver',
      'You are not an approver for this upgrade (see `approvals.approvers` and `approvals.approverGroups` in the bot config). Nothing changed.',
    );
  }
  if (click.action === 'approve' && run.paused && gate.kind !== 'rollback') {
    return refused('paused', `${run.id} is paused. Resume it first with \`/kong-upgrade resume ${run.id}\`.`);
  }
  // Four eyes guard increases and completion; a shift back down is a partial rollback.
  const increases =
    gate.kind === 'complete' || (gate.kind === 'shift' && gate.targetWeight > (run.appliedWeight ?? 0));
  if (click.action === 'approve' && click.fourEyes && increases && click.userId === run.requestedBy) {
    return refused(
      'four_eyes',
      'Four-eyes rule: you started this run, so another approver must approve its traffic increases and its completion. Nothing changed.',
    );
  }
  const outcome = click.action === 'approve' ? 'approved' : 'rejected';
  return { outcome, event: { ...base, kind: `gate.${outcome}`, details } };
}
