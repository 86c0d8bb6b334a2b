import type { Logger } from 'pino';
import type { BotConfig } from '../config/config-schema.js';
import { gateTitle } from '../domain/decide-gate.js';
import { type GateJudgement, judgeGateClick } from '../domain/judge-gate-click.js';
import type { DecisionReason, ReasonAction } from '../domain/reason-required.js';
import { gateExtras, refreshGateMessage } from '../engine/post-gate-message.js';
import type { RunEngine } from '../engine/run-engine.js';
import { windowStateFor } from '../engine/window-state-for.js';
import { isAppError } from '../errors.js';
import type { Store } from '../store/create-store.js';
import { type ApproverMembership, MEMBERSHIP_UNKNOWN_REPLY } from './approver-directory.js';
import { closeGateMessage } from './close-gate-message.js';
import type { Notifier } from './notifier.js';
import { stripNul } from './strip-nul.js';

export interface GateClickDeps {
  store: Store;
  engine: RunEngine;
  notifier: Notifier;
  config: BotConfig;
  log: Logger;
  now: () => Date;
  isApprover: (userId: string) => Promise<boolean>;
  /** From memory (never waits on Slack); when given, an unknown membership is refused honestly. */
  approverMembership?: (userId: string) => ApproverMembership;
  /** Which of the given user groups a user belongs to (for `approvals.requiredGroups`). */
  groupsOf?: (userId: string, groupIds: readonly string[]) => Promise<string[]>;
}

export interface GateClickInput {
  /** From `payload.user.id`, never from the button. */
  userId: string;
  action: 'approve' | 'reject';
  gateId: string;
  /** From the reason modal's submission (`approvals.reasonRequired`). */
  reason?: DecisionReason;
}

export interface GateClickReply {
  /** Shown only to the clicker when the click changed nothing. */
  ephemeral?: string;
  after?: () => Promise<void>;
  /**
   * The click would decide the gate, but a reason must be given first (`approvals.reasonRequired`):
   * nothing changed; the Slack layer opens the reason modal, whose submission clicks again with it.
   */
  reasonNeeded?: {
    gateId: string;
    action: 'approve' | 'reject';
    for: ReasonAction;
    title: string;
    runId: string;
  };
}

/** A refusal for want of membership, when membership could not be checked, says so (and is audited so). */
function honestAboutMembership(j: GateJudgement, membership: ApproverMembership | undefined): GateJudgement {
  if (membership !== 'unknown' || j.outcome !== 'refused' || j.event.details.code !== 'not_approver')
    return j;
  return {
    outcome: 'refused',
    reason: MEMBERSHIP_UNKNOWN_REPLY,
    event: { ...j.event, details: { ...j.event.details, code: 'membership_unknown' } },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One click, decided exactly once: the gate row is locked, the pure judge decides, the event is
 * written, and only an approval moves the run (which enqueues the job keyed by the gate).
 */
export function createGateClickHandler(deps: GateClickDeps) {
  return async function handleGateClick(raw: GateClickInput): Promise<GateClickReply> {
    const input = { ...raw, userId: stripNul(raw.userId) };
    if (!UUID.test(input.gateId)) {
      await auditRefusal(deps, input, 'malformed gate id');
      return { ephemeral: 'That button does not belong to an approval the bot knows.' };
    }
    // Once the decision committed, a later failure must not be reported as "nothing changed".
    let committed: string | null = null;
    try {
      const membership = deps.approverMembership?.(input.userId);
      const userIsApprover = membership ? membership === 'approver' : await deps.isApprover(input.userId);
      const groups = await requiredGroupMembership(deps, input.gateId, input.userId);
      const decided = await deps.store.gates.decideGate({
        gateId: input.gateId,
        userId: input.userId,
        judge: (gate, run, ctx) =>
          honestAboutMembership(
            judgeGateClick(
              gate,
              run,
              {
                userId: input.userId,
                action: input.action,
                now: ctx.now,
                userIsApprover,
                fourEyes: deps.config.approvals.fourEyes,
                groups: groups.clicker,
                ...(input.reason ? { reason: input.reason } : {}),
              },
              {
                approvals: ctx.approvals,
                rollbackPending: ctx.rollbackPending,
                observeSeconds: deps.config.environments[run.environment]?.plan.observeSeconds ?? 600,
                window: windowStateFor(deps.config, run.environment, ctx.now),
                requiredGroups: deps.config.approvals.requiredGroups,
                approverGroups: groups.earlier,
                reasonRequired: deps.config.approvals.reasonRequired,
              },
            ),
            membership,
          ),
      });
      if (decided.outcome === 'refused') return { ephemeral: decided.reason ?? 'Nothing changed.' };
      if (decided.outcome === 'reason_needed') {
        const what = decided.reasonFor === 'reject' ? 'A reject' : 'A rollback';
        return {
          ephemeral: `${what} needs a written reason here (\`approvals.reasonRequired\`); the reason form could not be opened, so nothing changed. Click again to get it.`,
          reasonNeeded: {
            gateId: decided.gate.id,
            action: input.action,
            for: decided.reasonFor ?? 'reject',
            title: gateTitle(decided.gate.kind, decided.gate.targetWeight),
            runId: decided.run.id,
          },
        };
      }
      if (decided.outcome === 'recorded') {
        const groupsNote =
          deps.config.approvals.requiredGroups.length > 0
            ? ` Each step also needs an approver from ${deps.config.approvals.requiredGroups.map((g) => `<!subteam^${g}>`).join(', ')}.`
            : '';
        return {
          ephemeral: `Your approval is recorded (${decided.approvals} of ${decided.required}). The step needs ${
            (decided.required ?? 0) - (decided.approvals ?? 0)
          } more approver(s), who did not start the run and did not ask for the step.${groupsNote}`,
          // The gate message shows who approved so far and how many more are needed.
          after: () =>
            refreshGateMessage(decided.gate, decided.run, deps).catch((err: Error) =>
              deps.log.warn({ err: err.message }, 'gate message update failed'),
            ),
        };
      }
      const outcome = decided.outcome;
      committed = outcome;
      const applied = await deps.engine.apply(decided.run.id, {
        type: 'gate_decided',
        actor: input.userId,
        gate: decided.gate,
        outcome,
        ...(input.reason ? { reason: input.reason } : {}),
      });
      if (!applied.ok) {
        // The run moved on (a rollback began) between the click and now: the approval does nothing,
        // and the gate says so instead of looking approved.
        const withdrawn =
          outcome === 'approved'
            ? await deps.store.gates.withdrawApproval(decided.gate.id, applied.reason)
            : null;
        return {
          ephemeral: `Your ${outcome === 'approved' ? 'approval' : 'rejection'} was recorded, but it changes nothing: ${applied.reason}`,
          after: async () => {
            await closeGateMessage(
              deps.notifier,
              withdrawn ?? decided.gate,
              applied.run ?? decided.run,
              applied.reason,
              await gateExtras(decided.gate, deps),
            ).catch((err: Error) => deps.log.warn({ err: err.message }, 'gate message update failed'));
          },
        };
      }
      return {
        ...(applied.delayed.length > 0
          ? {
              ephemeral: `${outcome === 'approved' ? 'Approved' : 'Rejected'}; ${applied.delayed.join('; ')}.`,
            }
          : {}),
        after: async () => {
          const { gate } = decided;
          await closeGateMessage(
            deps.notifier,
            gate,
            applied.run,
            undefined,
            await gateExtras(gate, deps),
          ).catch((err: Error) => deps.log.warn({ err: err.message }, 'gate message update failed'));
          await applied.deferred();
        },
      };
    } catch (err) {
      if (isAppError(err) && err.code === 'E_NOT_FOUND') {
        await auditRefusal(deps, input, 'unknown gate id');
        return { ephemeral: 'That approval no longer exists.' };
      }
      if (committed !== null) {
        deps.log.error({ err, gateId: input.gateId }, 'gate decided, but moving the run failed');
        return {
          ephemeral: `Your click was recorded (${committed}), but carrying it out is delayed by an error; the bot finishes it on its own within a minute.`,
        };
      }
      if (isAppError(err) && err.code === 'E_STORE_UNAVAILABLE') {
        return {
          ephemeral:
            "The bot's database is not reachable right now, so your click changed nothing. Try again in a minute.",
        };
      }
      deps.log.error({ err, gateId: input.gateId }, 'gate click failed');
      return {
        ephemeral: 'Something went wrong with that click; nothing was changed. The error is in the bot log.',
      };
    }
  };
}

/**
 * For `approvals.requiredGroups`: the groups of the clicker and of the gate's earlier approvers, read
 * before the click's transaction. An approval counted meanwhile is missing here, which can only hold
 * the gate back (fail closed), never approve it early.
 */
async function requiredGroupMembership(
  deps: GateClickDeps,
  gateId: string,
  userId: string,
): Promise<{ clicker: string[]; earlier: Record<string, string[]> }> {
  const required = deps.config.approvals.requiredGroups;
  if (required.length === 0 || !deps.groupsOf || !UUID.test(gateId)) return { clicker: [], earlier: {} };
  const groupsOf = deps.groupsOf;
  const earlier: Record<string, string[]> = {};
  for (const approver of await deps.store.gates.approvalsOf(gateId)) {
    earlier[approver] = await groupsOf(approver, required);
  }
  return { clicker: await groupsOf(userId, required), earlier };
}

/**
 * A refused click that belongs to no run (no gate to hang it on) still lands in the audit log, in
 * `audit_events`. The id is clipped: it came from the button, so it may be anything.
 */
async function auditRefusal(deps: GateClickDeps, input: GateClickInput, reason: string): Promise<void> {
  await deps.store.audit
    .record({
      actor: input.userId,
      kind: 'gate.click_refused',
      details: { reason, action: input.action, gateId: stripNul(String(input.gateId)).slice(0, 100) },
    })
    .catch((err: unknown) =>
      deps.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'could not audit a refused click',
      ),
    );
}
