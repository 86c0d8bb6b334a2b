import type { Effect } from '../domain/effects.js';
import type { Run } from '../domain/run.js';
import { runCardBlocks, runTitle } from '../slack/blocks/run-card-blocks.js';
import { closeGateMessage } from '../slack/close-gate-message.js';
import type { EngineDeps } from './engine-deps.js';
import { loadCardFacts } from './load-card-facts.js';
import { gateExtras, postGateMessage } from './post-gate-message.js';
import { postNextThreadLine, postPendingThreadLines } from './post-thread-line.js';

type Step = () => Promise<void>;

/**
 * Carries out a decision's effects. Queue and database effects run now (they are part of what
 * the caller acknowledges); Slack effects are returned as one deferred step, run in order, each
 * failure logged and skipped: the state is already committed and the next change repaints.
 * A queue or database effect that fails does not undo the committed decision: it is reported in
 * `delayed` (so the reply tells the truth) and the reconciler, which rebuilds jobs from the stored
 * phases, finishes it.
 */
export async function executeEffects(
  run: Run,
  effects: Effect[],
  deps: EngineDeps,
  now: Date = deps.now(),
): Promise<{ deferred: () => Promise<void>; delayed: string[] }> {
  const slack: Step[] = [];
  const delayed: string[] = [];
  const log = deps.log.child({ runId: run.id });
  for (const effect of effects) {
    try {
      await carryOut(effect);
    } catch (err) {
      log.warn(
        { effect: effect.type, err: (err as Error).message },
        'effect failed after commit; the reconciler finishes it',
      );
      delayed.push(DELAYED[effect.type] ?? effect.type);
    }
  }
  async function carryOut(effect: Effect): Promise<void> {
    switch (effect.type) {
      case 'enqueue':
        await deps.queue.enqueue({
          job: effect.job,
          jobId: effect.jobId,
          payload: { v: 1, runId: run.id, ...effect.data },
          ...(effect.delayMs ? { delayMs: effect.delayMs } : {}),
        });
        break;
      case 'cancel_jobs':
        await deps.queue.cancelRunJobs(run.id);
        break;
      case 'close_gates': {
        const closed = await deps.store.gates.closePendingGates(run.id, effect.reason);
        for (const gate of closed)
          slack.push(async () =>
            closeGateMessage(deps.notifier, gate, run, effect.reason, await gateExtras(gate, deps)),
          );
        break;
      }
      case 'request_gate': {
        const expiresAt = new Date(now.getTime() + deps.config.approvals.gateTimeoutMinutes * 60_000);
        const { gate, superseded, existing } = await deps.store.gates.createGate(
          {
            runId: run.id,
            kind: effect.kind,
            targetWeight: effect.targetWeight,
            requestedBy: effect.requestedBy ?? null,
            expiresAt,
            comparison: effect.details ?? null,
            // Fixed at request time; the judge asks for it only when the gate increases Y's traffic.
            requiredApprovals: effect.kind === 'rollback' ? 1 : deps.config.approvals.minApprovals,
          },
          {
            actor: effect.requestedBy ?? 'bot',
            kind: 'gate.requested',
            phase: run.phase,
            details: { gateKind: effect.kind, targetWeight: effect.targetWeight, reason: effect.reason },
          },
        );
        // The same rollback was already asked for and is still open: its message stands.
        if (existing) return;
        for (const old of superseded) {
          slack.push(async () =>
            closeGateMessage(
              deps.notifier,
              old,
              run,
              'a newer request replaced it',
              await gateExtras(old, deps),
            ),
          );
        }
        slack.push(async () => {
          await postGateMessage(
            gate,
            { reason: effect.reason, ...(effect.details ? { details: effect.details } : {}) },
            deps,
          );
        });
        break;
      }
      case 'post_card':
        slack.push(() => postCard(run.id, deps));
        break;
      case 'update_card':
        slack.push(async () => {
          const current = (await deps.store.runs.getRun(run.id)) ?? run;
          if (!current.cardTs) return postCard(run.id, deps);
          await deps.notifier.update({
            channel: current.channel,
            ts: current.cardTs,
            text: runTitle(current),
            blocks: runCardBlocks(current, deps.now(), await loadCardFacts(current.id, deps)),
            priority: 'normal',
          });
        });
        break;
      case 'thread':
        // The line is in the outbox (written with the decision); each thread effect posts the run's
        // next one, so lines and other messages keep their order.
        slack.push(() => postNextThreadLine(run.id, deps).then(() => undefined));
        break;
    }
  }
  // Lines an earlier decision of the run left unposted (its process died) come first, before this
  // decision's messages: a gate must not appear above the step that led to it. The decision's own
  // lines were written at run.updatedAt, so they are not among them.
  if (slack.length > 0)
    slack.unshift(() => postPendingThreadLines(run.id, deps, run.updatedAt).then(() => undefined));
  const deferred = async () => {
    for (const step of slack) {
      try {
        await step();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'slack effect failed; the run state is kept');
      }
    }
  };
  return { deferred, delayed };
}

/** What a failed follow-up means for the person who acted, in plain words. */
const DELAYED: Partial<Record<Effect['type'], string>> = {
  enqueue: 'starting its job is delayed (the job queue is not reachable); the bot retries on its own',
  cancel_jobs: 'stopping its queued jobs is delayed; they see the new phase and stop on their own',
  close_gates: 'closing its open approvals is delayed; they can no longer be approved',
  request_gate: 'the approval request could not be created; ask again in a minute',
};

/**
 * Posts the run card once; its ts is the run's thread. The start command's post-ack work, the first
 * job and the reconciler may all try at once, in different processes: a per-run PostgreSQL lock makes
 * check, post and record happen once.
 */
export async function postCard(runId: string, deps: EngineDeps): Promise<void> {
  const facts = await loadCardFacts(runId, deps);
  await deps.store.runs.recordCardOnce(runId, (run) =>
    deps.notifier.post({
      channel: run.channel,
      text: runTitle(run),
      blocks: runCardBlocks(run, deps.now(), facts),
    }),
  );
}
