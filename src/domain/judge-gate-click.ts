import type { WindowState } from './change-window-state.js';
import type { Gate } from './gate.js';
import { increaseBlockers } from './increase-blockers.js';
import { type DecisionReason, type ReasonAction, reasonNeededFor } from './reason-required.js';
import { canRollBack, isTerminal, type Run } from './run.js';
import type { NewRunEvent } from './run-event.js';

export interface GateClick {
  userId: string;
  action: 'approve' | 'reject';
  /** The database clock, read in the transaction that decides the click. */
  now: Date;
  /** Resolved by the caller from `approvals.approvers` and the members of `approverGroups`. */
  userIsApprover: boolean;
  /** Neither the run's starter nor the gate's requester may approve an increase or completion. */
  fourEyes: boolean;
  /** Which of `GateClickContext.requiredGroups` the clicker belongs to. */
  groups?: readonly string[];
  /** The reason given in the modal, when the click came from one. */
  reason?: DecisionReason;
}

/** What the click transaction knows besides the gate and its run. */
export interface GateClickContext {
  /** Who has approved this gate so far (distinct users). */
  approvals: readonly string[];
  /** Another gate of the run, a rollback, is open. */
  rollbackPending: boolean;
  observeSeconds: number;
  /** The change windows at the click's clock; unset: none configured. */
  window?: WindowState | undefined;
  /** `approvals.requiredGroups`: an increase also needs an approver from each of these user groups. */
  requiredGroups?: readonly string[];
  /** Which of `requiredGroups` each earlier approver belongs to. */
  approverGroups?: Readonly<Record<string, readonly string[]>>;
  /** `approvals.reasonRequired`: decisions that need a written reason first. */
  reasonRequired?: readonly ReasonAction[];
}

export type GateJudgement =
  | { outcome: 'approved' | 'rejected'; event: NewRunEvent }
  /** An approval counted, but the gate needs more distinct approvers. */
  | {
      outcome: 'recorded';
      event: NewRunEvent;
      approvals: number;
      required: number;
      /** Required user groups no approver so far belongs to. */
      missingGroups?: string[];
    }
  | { outcome: 'refused'; reason: string; event: NewRunEvent }
  /**
   * The click would decide the gate, but `approvals.reasonRequired` asks for a reason first: nothing is
   * recorded, and the caller asks for one (a modal) and clicks again with it.
   */
  | { outcome: 'reason_needed'; action: ReasonAction };

/** Increases and completion are what the four-eyes and quorum rules guard; a shift down is a partial rollback. */
export function isIncrease(
  gate: Pick<Gate, 'kind' | 'targetWeight'>,
  run: Pick<Run, 'appliedWeight'>,
): boolean {
  return gate.kind === 'complete' || (gate.kind === 'shift' && gate.targetWeight > (run.appliedWeight ?? 0));
}

/**
 * Who may decide a gate, and when: the approval rules in one pure function. Called inside the
 * transaction that holds the gate row locked, so what it sees is what gets decided.
 * - Any approver may reject, and approve a rollback or a decrease (break-glass).
 * - An increase or completion needs `gate.requiredApprovals` distinct approvers, none of them the
 *   run's starter or the one who asked for the gate (with `fourEyes`), and the preconditions of an
 *   increase must still hold when the last approval is clicked (increaseBlockers).
 * - A gate of a run that moved on (rolling back, ended) does nothing but say so.
 */
export function judgeGateClick(gate: Gate, run: Run, click: GateClick, ctx: GateClickContext): GateJudgement {
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
  const open = gate.kind === 'rollback' ? canRollBack(run) : !isTerminal(run.phase);
  if (!open) {
    return refused(
      'run_ended',
      run.phase === 'rolling_back'
        ? `${run.id} is already rolling back. Nothing changed.`
        : `${run.id} has already ended (${run.phase.replaceAll('_', ' ')}). Nothing changed.`,
    );
  }
  if (!click.userIsApprover) {
    return refused(
      'not_approver',
      'You are not an approver for this upgrade (see `approvals.approvers` and `approvals.approverGroups` in the bot config). Nothing changed.',
    );
  }
  const needs = reasonNeededFor(gate.kind, click.action, ctx.reasonRequired ?? []);
  const reasoned = click.reason
    ? {
        ...details,
        reason: click.reason.text,
        ...(click.reason.ticket ? { ticket: click.reason.ticket } : {}),
      }
    : details;
  if (click.action === 'reject') {
    if (needs && !click.reason) return { outcome: 'reason_needed', action: needs };
    return { outcome: 'rejected', event: { ...base, kind: 'gate.rejected', details: reasoned } };
  }
  if (gate.kind !== 'rollback') {
    if (run.paused) {
      return refused(
        'paused',
        `${run.id} is paused. Resume it first with \`/kong-upgrade resume ${run.id}\`.`,
      );
    }
    if (run.phase !== 'awaiting_gate' && run.phase !== 'observing') {
      return refused(
        'phase',
        run.phase === 'rolling_back'
          ? `A rollback of ${run.id} has started, so this step can no longer be approved. Nothing changed.`
          : `${run.id} is ${run.phase.replaceAll('_', ' ')}, so this step can no longer be approved. Nothing changed.`,
      );
    }
  }
  const increase = gate.kind !== 'rollback' && isIncrease(gate, run);
  if (increase && click.fourEyes && click.userId === run.requestedBy) {
    return refused(
      'four_eyes',
      'Four-eyes rule: you started this run, so other approvers must approve its traffic increases and its completion. Nothing changed.',
    );
  }
  if (increase && click.fourEyes && gate.requestedBy !== null && click.userId === gate.requestedBy) {
    return refused(
      'requester',
      'Four-eyes rule: you asked for this step, so other approvers must approve it. Nothing changed.',
    );
  }
  if (ctx.approvals.includes(click.userId)) {
    return refused(
      'already_approved',
      'You have already approved this step; it needs another approver. Nothing changed.',
    );
  }
  if (increase) {
    const blockers = increaseBlockers(
      run,
      { kind: gate.kind === 'complete' ? 'complete' : 'shift', weight: gate.targetWeight },
      {
        now: click.now,
        observeSeconds: ctx.observeSeconds,
        rollbackPending: ctx.rollbackPending,
        window: ctx.window,
      },
    );
    if (blockers.length > 0) {
      return refused(
        'preconditions',
        `This step cannot be approved now: ${blockers.join('; ')}. Nothing changed.`,
      );
    }
  }
  const required = gate.kind === 'rollback' ? 1 : Math.max(1, gate.requiredApprovals);
  const count = ctx.approvals.length + 1;
  // Each required user group must be among the approvers of an increase, however many approved.
  const covered = new Set([
    ...(click.groups ?? []),
    ...ctx.approvals.flatMap((u) => ctx.approverGroups?.[u] ?? []),
  ]);
  const missingGroups = increase ? (ctx.requiredGroups ?? []).filter((g) => !covered.has(g)) : [];
  if (count < required || missingGroups.length > 0) {
    return {
      outcome: 'recorded',
      approvals: count,
      required: Math.max(required, count + (missingGroups.length > 0 ? 1 : 0)),
      ...(missingGroups.length > 0 ? { missingGroups } : {}),
      event: {
        ...base,
        kind: 'gate.approval_recorded',
        details: {
          ...details,
          approvals: count,
          required,
          ...(missingGroups.length > 0 ? { missingGroups } : {}),
        },
      },
    };
  }
  if (needs && !click.reason) return { outcome: 'reason_needed', action: needs };
  // Break-glass: a rollback or decrease approved while the change window is closed says so in the log.
  const breakGlass = !increase && ctx.window !== undefined && !ctx.window.open;
  return {
    outcome: 'approved',
    event: {
      ...base,
      kind: 'gate.approved',
      details: breakGlass ? { ...reasoned, outsideChangeWindow: true } : reasoned,
    },
  };
}
