import type { Logger } from 'pino';
import type { DomainEvent } from '../domain/domain-event.js';
import { isTerminal } from '../domain/run.js';
import { asAppError } from '../errors.js';
import { type JobPayload, jobPayloadSchema } from '../queue/job-payload.js';
import type { EngineDeps } from './engine-deps.js';
import { postCard } from './execute-effects.js';
import type { JobDefinition, JobOutcome } from './job-definition.js';
import { createProgressReporter, type ProgressReporter } from './progress-reporter.js';
import type { RunEngine } from './run-engine.js';

export interface JobAttempt {
  id: string;
  name: string;
  data: unknown;
  /** Attempts already made before this one. */
  attemptsMade: number;
  maxAttempts: number;
  updateProgress(progress: object): Promise<void>;
}

export type JobRunResult =
  | { status: 'done'; outcome: JobOutcome }
  | { status: 'skipped'; reason: string }
  /** Not now: another copy holds the job's lease; the queue tries this job again later. */
  | { status: 'later'; reason: string }
  /** Permanent: the run was marked failed; the queue must not retry. */
  | { status: 'failed'; message: string }
  /** Retryable: the queue retries with backoff. */
  | { status: 'retry'; error: Error };

const PHASE_POLL_MS = 2000;

/**
 * The one way a job runs: validate, load the run, check it is still the job's turn, do the work
 * with an AbortSignal that fires when the run moves on, then hand the outcome to decide().
 */
export async function runJob(
  def: JobDefinition,
  attempt: JobAttempt,
  deps: EngineDeps,
  engine: RunEngine,
  shutdown: AbortSignal,
): Promise<JobRunResult> {
  const parsed = jobPayloadSchema.safeParse(attempt.data);
  if (!parsed.success)
    return { status: 'failed', message: `invalid job payload: ${parsed.error.issues[0]?.message}` };
  const payload = parsed.data;
  const log = deps.log.child({
    job: def.name,
    jobId: attempt.id,
    runId: payload.runId,
    attempt: attempt.attemptsMade + 1,
  });
  // A Redis that lost its data lets the reconciler enqueue this job again while a first copy still
  // runs: PostgreSQL keeps it to one copy. The run is read only once the lease is held, so a copy
  // that follows a finished one sees its outcome. A step's copy never completes its job id while the
  // lease is taken (re-enqueueing a completed id is a no-op, so the step would be lost if the holder
  // then died): it waits a while (BullMQ hands a killed worker's job over before PostgreSQL may have
  // dropped that worker's session), then is tried again later. Compare jobs do not wait: the
  // reconciler re-creates a lost one under the next interval's id.
  const lease = await deps.leases.tryAcquire(attempt.id, { wait: def.phase !== null, signal: shutdown });
  if (!lease && shutdown.aborted) {
    // Stopped while waiting: the job is left for the next worker, not completed as skipped.
    return { status: 'retry', error: new Error('worker shutting down') };
  }
  if (!lease && def.phase !== null) {
    log.warn('job deferred: another copy of it is running; trying again later');
    return { status: 'later', reason: 'another copy is running' };
  }
  if (!lease) {
    log.warn('job skipped: another copy of it is running');
    return { status: 'skipped', reason: 'another copy is running' };
  }
  try {
    return await runLeased(def, attempt, deps, engine, shutdown, payload, log);
  } finally {
    await lease.release();
  }
}

async function runLeased(
  def: JobDefinition,
  attempt: JobAttempt,
  deps: EngineDeps,
  engine: RunEngine,
  shutdown: AbortSignal,
  payload: JobPayload,
  log: Logger,
): Promise<JobRunResult> {
  const run = await deps.store.runs.getRun(payload.runId);
  if (!run) return { status: 'failed', message: `run ${payload.runId} does not exist` };
  if ((isTerminal(run.phase) && !def.afterEnd) || (def.phase !== null && run.phase !== def.phase)) {
    log.info({ phase: run.phase }, 'job skipped: the run is not in its phase');
    return { status: 'skipped', reason: `run is in ${run.phase}` };
  }
  const env = deps.config.environments[run.environment];
  if (!env) {
    const message = `environment ${run.environment} is no longer in the config file`;
    await engine.applyNow(run.id, { type: 'job_failed', job: def.name, code: 'E_CONFIG_INVALID', message });
    return { status: 'failed', message };
  }
  // A start whose post-ack work died left no card: post it before the job's first message.
  if (!run.cardTs)
    await postCard(run.id, deps).catch((err: Error) =>
      log.warn({ err: err.message }, 'run card could not be posted; the next change tries again'),
    );
  const fresh = (await deps.store.runs.getRun(run.id)) ?? run;

  const controller = new AbortController();
  const onShutdown = () => controller.abort(new Error('worker shutting down'));
  shutdown.addEventListener('abort', onShutdown);
  const poll = setInterval(() => {
    // Only the phase: this runs every 2 s per job.
    deps.store.runs
      .getPhase(run.id)
      .then((phase) => {
        if (!phase || (isTerminal(phase) && !def.afterEnd) || (def.phase !== null && phase !== def.phase)) {
          controller.abort(new Error(`run moved to ${phase ?? 'nowhere'}`));
        }
      })
      .catch(() => undefined);
  }, PHASE_POLL_MS);

  const shown = createProgressReporter({
    notifier: deps.notifier,
    channel: fresh.channel,
    threadTs: fresh.threadTs,
    title: def.name[0]?.toUpperCase() + def.name.slice(1),
    onProgress: (p) => attempt.updateProgress(p).catch(() => undefined),
  });
  // A job never waits for its progress bar: a rate-limited Slack must not slow the work it reports.
  const progress: ProgressReporter = {
    report: async (p) => {
      void shown.report(p).catch(() => undefined);
    },
    stop: async (how) => {
      void shown.stop(how).catch(() => undefined);
    },
  };
  try {
    log.info('job started');
    const outcome = await def.run({
      run: fresh,
      env,
      payload,
      deps,
      signal: controller.signal,
      shutdown,
      log,
      progress,
    });
    const event = toEvent(def, outcome, payload.gateId);
    let shownLater: (() => Promise<void>) | null = null;
    if (event) {
      const applied = await engine.apply(run.id, event);
      if (!applied.ok) log.info({ reason: applied.reason }, 'job outcome not applied');
      else shownLater = applied.deferred;
    }
    // The decision is committed and its jobs enqueued. What Slack shows of it (thread lines, gate
    // messages, then the live comparison) goes out without holding this worker slot, so a slow or
    // rate-limited Slack never delays the next job; what a crash cuts short, the outbox and the
    // reconciler post later. Shown only after the decision, Slack never holds back (or fails) a verdict.
    void (async () => {
      await shownLater?.();
      await outcome.afterDecision?.();
    })().catch((err: Error) =>
      log.warn({ err: err.message }, 'showing the job outcome failed; the decision stands'),
    );
    log.info('job finished');
    return { status: 'done', outcome };
  } catch (err) {
    if (controller.signal.aborted && !shutdown.aborted) {
      log.info({ reason: String(controller.signal.reason) }, 'job stopped: the run moved on');
      await progress.stop('stopped');
      return { status: 'skipped', reason: 'run moved on' };
    }
    const error = asAppError(err);
    const final = !error.retryable || attempt.attemptsMade + 1 >= attempt.maxAttempts;
    log.warn({ code: error.code, retryable: error.retryable, final, err: error.message }, 'job failed');
    if (!final || shutdown.aborted) {
      await progress.stop('retrying');
      return { status: 'retry', error };
    }
    await progress.stop('failed');
    const remedy = typeof error.details.remedy === 'string' ? error.details.remedy : undefined;
    const observed = error.details.observedWeight;
    await engine.applyNow(run.id, {
      type: 'job_failed',
      job: def.name,
      code: error.code,
      message: error.message,
      ...(remedy ? { remedy } : {}),
      ...(typeof observed === 'number' ? { observedWeight: observed } : {}),
    });
    return { status: 'failed', message: error.message };
  } finally {
    clearInterval(poll);
    shutdown.removeEventListener('abort', onShutdown);
  }
}

function toEvent(def: JobDefinition, outcome: JobOutcome, gateId: string | undefined): DomainEvent | null {
  switch (outcome.type) {
    case 'succeeded':
      return {
        type: 'job_succeeded',
        job: def.name,
        summary: outcome.summary,
        ...(outcome.details ? { details: outcome.details } : {}),
        ...(outcome.facts ? { facts: outcome.facts } : {}),
      };
    case 'weight_applied':
      if (def.name !== 'shift' && def.name !== 'rollback') return null;
      return {
        type: 'weight_applied',
        actor: `job:${def.name}`,
        job: def.name,
        weight: outcome.weight,
        ...(gateId ? { gateId } : {}),
      };
    case 'weight_observed':
      return { type: 'weight_observed', actor: `job:${def.name}`, weight: outcome.weight, reason: 'abort' };
    case 'comparison':
      return {
        type: 'comparison_made',
        verdict: outcome.verdict,
        failing: outcome.failing,
        drift: outcome.drift,
        rollbackPending: outcome.rollbackPending,
        ...(outcome.dataPlanes !== undefined
          ? { dataPlanes: outcome.dataPlanes, dataPlanesShown: outcome.dataPlanesShown ?? null }
          : {}),
      };
    case 'done':
      return null;
  }
}
