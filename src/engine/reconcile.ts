import { jobIdFor, PREPARATION_JOBS, type PreparationJob } from '../domain/job-names.js';
import { closedGateBlocks, gateText } from '../slack/blocks/gate-blocks.js';
import type { EngineDeps } from './engine-deps.js';
import { postCard } from './execute-effects.js';
import type { RunEngine } from './run-engine.js';

/**
 * PostgreSQL is the source of truth: re-enqueue whatever the stored phases say is in flight
 * (deterministic job ids make this idempotent), post cards that a crash left unposted, and expire
 * gates that are due. Runs at start-up and then periodically.
 */
export async function reconcile(
  deps: EngineDeps,
  engine: RunEngine,
): Promise<{ enqueued: string[]; expired: number }> {
  const enqueued: string[] = [];
  for (const run of await deps.store.runs.listActiveRuns()) {
    if (!run.cardTs) await postCard(run.id, deps).catch(() => undefined);
    if (run.paused) continue;
    if ((PREPARATION_JOBS as readonly string[]).includes(run.phase)) {
      const job = run.phase as PreparationJob;
      const jobId = jobIdFor(run.id, job);
      await deps.queue.enqueue({ job, jobId, payload: { v: 1, runId: run.id } });
      enqueued.push(jobId);
    }
  }
  const expired = await deps.store.gates.expireDueGates(deps.now());
  for (const gate of expired) {
    const applied = await engine.applyNow(gate.runId, { type: 'gate_expired', gate });
    const run = applied.run;
    if (run && gate.messageTs) {
      await deps.notifier
        .update({
          channel: run.channel,
          ts: gate.messageTs,
          text: gateText(gate, run),
          blocks: closedGateBlocks(gate, run),
        })
        .catch(() => undefined);
    }
  }
  return { enqueued, expired: expired.length };
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
