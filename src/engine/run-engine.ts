import { decide } from '../domain/decide.js';
import type { DomainEvent } from '../domain/domain-event.js';
import type { Run } from '../domain/run.js';
import { AppError, isAppError } from '../errors.js';
import { scrapeCadence } from '../metrics/pending-interval.js';
import type { EngineDeps } from './engine-deps.js';
import { executeEffects } from './execute-effects.js';
import { windowStateFor } from './window-state-for.js';

export type ApplyResult =
  | {
      ok: true;
      run: Run;
      /** Slack side of the effects; call after the ack when in the ack path. */
      deferred: () => Promise<void>;
      /**
       * Follow-ups that failed after the decision committed (e.g. the job queue was unreachable), in
       * plain words: the decision stands, and the reconciler finishes them. Replies must say so.
       */
      delayed: string[];
    }
  | { ok: false; reason: string; run: Run | null };

const MAX_CONFLICT_RETRIES = 5;

/**
 * load → decide → persist (with the decision's audit events, optimistic concurrency) → effects.
 * A version conflict means someone else moved the run first: reload and decide again.
 */
export function createRunEngine(deps: EngineDeps) {
  async function apply(runId: string, event: DomainEvent): Promise<ApplyResult> {
    for (let attempt = 0; ; attempt += 1) {
      // The run, PostgreSQL's clock and whether a rollback is open, in one read: every time the rules
      // compare comes from the database, never from this process's clock.
      const read = await deps.store.runs.getRunAt(runId);
      if (!read) return { ok: false, reason: `There is no run ${runId}.`, run: null };
      const { run, now } = read;
      const env = deps.config.environments[run.environment];
      const decision = decide(run, event, now, {
        observeSeconds: env?.plan.observeSeconds ?? 600,
        intervalSeconds: env ? scrapeCadence(env.metrics) : 60,
        rollbackPending: read.rollbackPending,
        window: windowStateFor(deps.config, run.environment, now),
      });
      if (!decision.ok) return { ok: false, reason: decision.reason, run };
      let updated: Run;
      try {
        // Thread lines commit with the decision: a crash before they are posted cannot lose them.
        const threadLines = decision.effects.flatMap((e) =>
          e.type === 'thread' ? [{ text: e.text, broadcast: e.broadcast === true }] : [],
        );
        updated = await deps.store.runs.updateRun(
          run.id,
          run.version,
          decision.patch,
          decision.events,
          threadLines,
        );
      } catch (err) {
        if (isAppError(err) && err.code === 'E_STORE_CONFLICT' && attempt < MAX_CONFLICT_RETRIES) continue;
        throw err;
      }
      deps.log.info(
        { runId, event: event.type, from: run.phase, to: updated.phase, version: updated.version },
        'run decided',
      );
      const { deferred, delayed } = await executeEffects(updated, decision.effects, deps, now);
      return { ok: true, run: updated, deferred, delayed };
    }
  }

  /** Same as apply, but carries out the Slack side at once (job and timer paths). */
  async function applyNow(runId: string, event: DomainEvent): Promise<ApplyResult> {
    const result = await apply(runId, event);
    if (result.ok) await result.deferred();
    return result;
  }

  return { apply, applyNow };
}

export type RunEngine = ReturnType<typeof createRunEngine>;

export function assertFound(run: Run | null, runId: string): Run {
  if (!run) throw new AppError('E_NOT_FOUND', `There is no run ${runId}.`);
  return run;
}
