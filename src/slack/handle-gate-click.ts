import type { Logger } from 'pino';
import type { BotConfig } from '../config/config-schema.js';
import { type GateJudgement, judgeGateClick } from '../domain/judge-gate-click.js';
import type { RunEngine } from '../engine/run-engine.js';
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
}

export interface GateClickInput {
  /** From `payload.user.id`, never from the button. */
  userId: string;
  action: 'approve' | 'reject';
  gateId: string;
}

export interface GateClickReply {
  /** Shown only to the clicker when the click changed nothing. */
  ephemeral?: string;
  after?: () => Promise<void>;
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
    if (!UUID.test(input.gateId))
      return { ephemeral: 'That button does not belong to an approval the bot knows.' };
    try {
      const membership = deps.approverMembership?.(input.userId);
      const userIsApprover = membership ? membership === 'approver' : await deps.isApprover(input.userId);
      const decided = await deps.store.gates.decideGate({
        gateId: input.gateId,
        userId: input.userId,
        now: deps.now(),
        judge: (gate, run) =>
          honestAboutMembership(
            judgeGateClick(gate, run, {
              userId: input.userId,
              action: input.action,
              now: deps.now(),
              userIsApprover,
              fourEyes: deps.config.approvals.fourEyes,
            }),
            membership,
          ),
      });
      if (decided.outcome === 'refused') return { ephemeral: decided.reason ?? 'Nothing changed.' };
      const applied = await deps.engine.apply(decided.run.id, {
        type: 'gate_decided',
        actor: input.userId,
        gate: decided.gate,
        outcome: decided.outcome,
      });
      return {
        after: async () => {
          const { gate } = decided;
          const run = applied.ok ? applied.run : decided.run;
          await closeGateMessage(deps.notifier, gate, run).catch((err: Error) =>
            deps.log.warn({ err: err.message }, 'gate message update failed'),
          );
          if (applied.ok) await applied.deferred();
        },
      };
    } catch (err) {
      if (isAppError(err) && err.code === 'E_NOT_FOUND')
        return { ephemeral: 'That approval no longer exists.' };
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
