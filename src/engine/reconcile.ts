import { dropOrphanRehearsals } from '../deploy/drop-orphan-rehearsals.js';
import { describeClosedWindow, WINDOW_DEFERRED } from '../domain/change-window-state.js';
import { gateTitle } from '../domain/decide-gate.js';
import { compareSlot } from '../domain/decide-observation.js';
import type { Gate, GateKind } from '../domain/gate.js';
import { gateJobId, jobIdFor, PREPARATION_JOBS, type PreparationJob } from '../domain/job-names.js';
import { reminderDue } from '../domain/reminder-due.js';
import type { Phase, Run } from '../domain/run.js';
import { scrapeCadence } from '../metrics/pending-interval.js';
import type { EnqueueRequest } from '../queue/job-queue.js';
import { slackDate } from '../slack/blocks/run-card-blocks.js';
import { closeGateMessage } from '../slack/close-gate-message.js';
import type { EngineDeps } from './engine-deps.js';
import { postCard } from './execute-effects.js';
import { approverMentions, gateExtras, postGateMessage, storedGateContext } from './post-gate-message.js';
import { postThreadLine } from './post-thread-line.js';
import type { RunEngine } from './run-engine.js';
import { windowStateFor } from './window-state-for.js';

/** The phase an approved gate moves its run to, and the job that then runs (keyed by the gate). */
const GATE_PHASES: Record<GateKind, Phase> = {
  shift: 'shifting',
  rollback: 'rolling_back',
  complete: 'completing',
};

/**
 * A click whose process died between recording the approval and moving the run leaves an approved
 * gate newer than the run's phase. Only gates older than this are taken over, so a click that is
 * still being handled right now is never applied twice.
 */
const LOST_APPROVAL_GRACE_MS = 10_000;

/**
 * A pending gate without a message, older than this, lost its message to a crash or to Slack (nobody
 * could click it). Younger ones are left to the step posting them now; a poster's claim keeps the two
 * from posting it twice anyway, so this only needs to be short.
 */
const LOST_GATE_MESSAGE_GRACE_MS = 3_000;

/** Thread lines still unposted this long after their decision were lost to a crash (or to Slack). */
const LOST_THREAD_LINE_GRACE_MS = 30_000;

/**
 * PostgreSQL is the source of truth: re-enqueue whatever the stored phases say is in flight
 * (deterministic job ids make this idempotent, so a live job or chain is never doubled); post the cards,
 * gate messages and thread lines a crash left unposted; finish approvals a crash interrupted; expire
 * gates that are due.
 * Runs at start-up and then periodically; after Redis lost its data this rebuilds every job.
 */
export async function reconcile(
  deps: EngineDeps,
  engine: RunEngine,
): Promise<{ enqueued: string[]; expired: number }> {
  const enqueued: string[] = [];
  const enqueue = async (request: EnqueueRequest) => {
    await deps.queue.enqueue(request);
    enqueued.push(request.jobId);
  };
  // Every cutoff below is compared with timestamps PostgreSQL wrote: take its clock, not this process's.
  const now = await deps.store.runs.time();
  for (const listed of await deps.store.runs.listActiveRuns()) {
    if (!listed.cardTs) await postCard(listed.id, deps).catch(() => undefined);
    await postLostGateMessages(listed, deps, now);
    await sayWhyGatesWait(listed, deps, now).catch((err: Error) =>
      deps.log.warn({ runId: listed.id, err: err.message }, 'change window notice failed'),
    );
    await remindApprovers(listed, deps, now).catch((err: Error) =>
      deps.log.warn({ runId: listed.id, err: err.message }, 'gate reminder failed'),
    );
    const run = (await resumeLostApproval(listed, deps, engine, now)) ?? listed;
    const payload = { v: 1 as const, runId: run.id };
    const gate = await gateInFlight(run, deps);
    if (gate) {
      // The step in progress finishes even when the run is paused.
      await enqueue({
        job: run.phase === 'shifting' ? 'shift' : run.phase === 'rolling_back' ? 'rollback' : 'complete',
        jobId: gateJobId(gate.id),
        payload: { ...payload, gateId: gate.id, targetWeight: gate.targetWeight },
      });
    }
    if (run.paused) continue;
    await offerDeferredFirstStep(run, deps, engine, now);
    if ((PREPARATION_JOBS as readonly string[]).includes(run.phase)) {
      const job = run.phase as PreparationJob;
      await enqueue({ job, jobId: jobIdFor(run.id, job), payload });
    }
    const env = deps.config.environments[run.environment];
    if (
      env &&
      (run.appliedWeight ?? 0) > 0 &&
      ['awaiting_gate', 'shifting', 'observing'].includes(run.phase)
    ) {
      // Traffic is split: the compare chain must be alive. The current slot's id is the one a live
      // chain has already used (or scheduled), so this only adds a job when the chain was lost.
      const slot = compareSlot(now, scrapeCadence(env.metrics));
      await enqueue({
        job: 'compare',
        jobId: jobIdFor(run.id, 'compare', slot),
        payload: { ...payload, seq: slot },
      });
    }
  }
  await postLostThreadLines(deps, now);
  // Scratch copies of migration rehearsals whose worker died (never throws).
  await dropOrphanRehearsals(deps.config, deps.log);
  const expired = await deps.store.gates.expireDueGates();
  for (const gate of expired) {
    const applied = await engine.applyNow(gate.runId, { type: 'gate_expired', gate });
    if (applied.run)
      await closeGateMessage(deps.notifier, gate, applied.run, undefined, await gateExtras(gate, deps)).catch(
        warnGateMessage(deps),
      );
  }
  return { enqueued, expired: expired.length };
}

/**
 * A first step held back by a closed change window (see decideJob) is offered once the window opens:
 * only when no gate was asked for since it was held back, so a rejected or expired one is not repeated.
 */
async function offerDeferredFirstStep(
  run: Run,
  deps: EngineDeps,
  engine: RunEngine,
  now: Date,
): Promise<void> {
  if (run.phase !== 'awaiting_gate' || (run.appliedWeight ?? 0) !== 0) return;
  const window = windowStateFor(deps.config, run.environment, now);
  if (window !== undefined && !window.open) return;
  const deferred = await deps.store.events.findLatestEvent(run.id, WINDOW_DEFERRED);
  if (!deferred) return;
  const gates = await deps.store.gates.listGates(run.id);
  if (gates.some((g) => g.requestedAt.getTime() >= deferred.at.getTime())) return;
  const applied = await engine.applyNow(run.id, { type: 'window_opened' });
  if (!applied.ok) deps.log.info({ runId: run.id, reason: applied.reason }, 'first step not offered yet');
}

/**
 * A pending increase or completion whose change window closed cannot be approved until it opens: its
 * thread says why and when, once per gate (the `gate.window_closed` event comes before the post).
 */
async function sayWhyGatesWait(run: Run, deps: EngineDeps, now: Date): Promise<void> {
  const window = windowStateFor(deps.config, run.environment, now);
  if (window === undefined || window.open) return;
  for (const gate of await deps.store.gates.pendingGates(run.id)) {
    if (gate.kind === 'rollback' || !gate.messageTs) continue;
    if (gate.kind === 'shift' && gate.targetWeight <= (run.appliedWeight ?? 0)) continue;
    const latest = await deps.store.events.findLatestEvent(run.id, WINDOW_CLOSED);
    if (latest?.details.gateId === gate.id) continue;
    if (
      latest !== null &&
      (await deps.store.events.listEvents(run.id)).some(
        (e) => e.kind === WINDOW_CLOSED && e.details.gateId === gate.id,
      )
    )
      continue;
    await deps.store.events.appendEvent(run.id, {
      actor: 'bot',
      kind: WINDOW_CLOSED,
      phase: run.phase,
      details: {
        gateId: gate.id,
        reason: window.reason ?? null,
        opensAt: window.opensAt?.toISOString() ?? null,
      },
    });
    await deps.notifier.post({
      channel: run.channel,
      threadTs: run.threadTs,
      text: `:clock3: "${gateTitle(gate.kind, gate.targetWeight)}" waits: ${describeClosedWindow(window)}. It cannot be approved before then; rollback stays possible.`,
    });
  }
}

const WINDOW_CLOSED = 'gate.window_closed';

/**
 * Pending gates close to expiry mention the approvers again, once: the `gate.reminded` event is written
 * before the post, so a crash between them loses the reminder rather than doubling it.
 */
async function remindApprovers(run: Run, deps: EngineDeps, now: Date): Promise<void> {
  const minutes = deps.config.approvals.reminderMinutes;
  if (minutes <= 0) return;
  for (const gate of await deps.store.gates.pendingGates(run.id)) {
    if (!reminderDue(gate, now, minutes, false)) continue;
    const latest = await deps.store.events.findLatestEvent(run.id, 'gate.reminded');
    const reminded =
      latest !== null &&
      (latest.details.gateId === gate.id ||
        (await deps.store.events.listEvents(run.id)).some(
          (e) => e.kind === 'gate.reminded' && e.details.gateId === gate.id,
        ));
    if (!reminderDue(gate, now, minutes, reminded)) continue;
    await deps.store.events.appendEvent(run.id, {
      actor: 'bot',
      kind: 'gate.reminded',
      phase: run.phase,
      details: { gateId: gate.id, expiresAt: gate.expiresAt.toISOString() },
    });
    await deps.notifier.post({
      channel: run.channel,
      threadTs: run.threadTs,
      text: `:alarm_clock: ${approverMentions(deps)} The approval "${gateTitle(gate.kind, gate.targetWeight)}" of ${run.id} is still open and expires ${slackDate(gate.expiresAt)}.`,
    });
  }
}

/** A gate message that could not be closed is logged; the run goes on (the buttons are refused anyway). */
function warnGateMessage(deps: EngineDeps) {
  return (err: Error) => deps.log.warn({ err: err.message }, 'gate message update failed');
}

/** Thread lines whose poster died (or whose post failed): posted now, oldest first, runs ended included. */
async function postLostThreadLines(deps: EngineDeps, now: Date): Promise<void> {
  const cutoff = new Date(now.getTime() - LOST_THREAD_LINE_GRACE_MS);
  for (const line of await deps.store.outbox.claimLost(cutoff, 100)) {
    await postThreadLine(line, deps).catch((err: Error) =>
      deps.log.warn(
        { runId: line.runId, err: err.message, attempts: line.attempts },
        'thread line post failed',
      ),
    );
  }
}

/** Pending gates whose message a crash lost: posted now (once, see postGateMessage), with their reason. */
async function postLostGateMessages(run: Run, deps: EngineDeps, now: Date): Promise<void> {
  const cutoff = now.getTime() - LOST_GATE_MESSAGE_GRACE_MS;
  for (const gate of await deps.store.gates.pendingGates(run.id)) {
    if (gate.messageTs || gate.requestedAt.getTime() > cutoff) continue;
    try {
      if (await postGateMessage(gate, await storedGateContext(gate, deps), deps))
        deps.log.warn(
          { runId: run.id, gateId: gate.id },
          'a gate had no message (lost to a crash); posted it',
        );
    } catch (err) {
      deps.log.warn(
        { runId: run.id, gateId: gate.id, err: (err as Error).message },
        'gate message post failed',
      );
    }
  }
}

/** The approved gate whose job the run's phase is waiting for (shifting, rolling_back, completing). */
async function gateInFlight(run: Run, deps: EngineDeps): Promise<Gate | null> {
  const kind = (Object.keys(GATE_PHASES) as GateKind[]).find((k) => GATE_PHASES[k] === run.phase);
  if (!kind) return null;
  // The gate the run carries out is recorded with its approval; the newest approved one of the kind is
  // the fallback for a run approved before that was recorded.
  if (run.inFlightGateId) return deps.store.gates.getGate(run.inFlightGateId);
  const gates = await deps.store.gates.listGates(run.id);
  return gates.filter((g) => g.kind === kind && g.status === 'approved').at(-1) ?? null;
}

/**
 * An approval recorded after the run's phase started, with the run not in the gate's phase: the
 * click was decided (exactly once, in its transaction) but the run never moved. Move it now.
 */
async function resumeLostApproval(
  run: Run,
  deps: EngineDeps,
  engine: RunEngine,
  now: Date,
): Promise<Run | null> {
  const cutoff = now.getTime() - LOST_APPROVAL_GRACE_MS;
  const gates = await deps.store.gates.listGates(run.id);
  const lost = gates.find(
    (g) =>
      g.status === 'approved' &&
      g.decidedAt !== null &&
      g.decidedAt.getTime() > run.phaseStartedAt.getTime() &&
      g.decidedAt.getTime() <= cutoff &&
      run.phase !== GATE_PHASES[g.kind],
  );
  if (!lost) return null;
  deps.log.warn(
    { runId: run.id, gateId: lost.id },
    'an approval was recorded but not carried out; resuming it',
  );
  // The reason given in the modal (approvals.reasonRequired) is in the approval's audit event.
  const approved = await deps.store.events.findGateEvent(run.id, 'gate.approved', lost.id);
  const reasonText = approved?.details.reason;
  const ticket = approved?.details.ticket;
  const applied = await engine.applyNow(run.id, {
    type: 'gate_decided',
    actor: lost.decidedBy ?? 'bot',
    gate: lost,
    outcome: 'approved',
    ...(typeof reasonText === 'string'
      ? { reason: { text: reasonText, ticket: typeof ticket === 'string' ? ticket : null } }
      : {}),
  });
  if (!applied.ok) {
    // The run moved on before the approval took effect (a rollback began): it does nothing, and says so.
    const withdrawn = await deps.store.gates.withdrawApproval(lost.id, applied.reason);
    await closeGateMessage(
      deps.notifier,
      withdrawn ?? lost,
      applied.run ?? run,
      applied.reason,
      await gateExtras(lost, deps),
    ).catch(warnGateMessage(deps));
    return applied.run;
  }
  await closeGateMessage(deps.notifier, lost, applied.run, undefined, await gateExtras(lost, deps)).catch(
    warnGateMessage(deps),
  );
  return applied.run;
}

/** Runs reconcile now and then every `intervalMs` until stopped. */
export function startReconciler(deps: EngineDeps, engine: RunEngine, intervalMs = 30_000) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      await reconcile(deps, engine);
    } catch (err) {
      deps.log.warn({ err: (err as Error).message }, 'reconcile failed; retrying later');
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  const first = tick();
  return {
    first,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
