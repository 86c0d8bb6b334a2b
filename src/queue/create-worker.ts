import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { JobDefinition } from '../engine/job-definition.js';
import type { JobAttempt, JobRunResult } from '../engine/run-job.js';
import { createRedisConnection } from './create-job-queue.js';
import { DEFAULT_QUEUE_PREFIX, RUN_QUEUE } from './queue-names.js';

export interface WorkerOptions {
  redisUrl: string;
  prefix?: string;
  concurrency?: number;
  log: Logger;
  definitions: readonly JobDefinition[];
  run: (def: JobDefinition, attempt: JobAttempt, shutdown: AbortSignal) => Promise<JobRunResult>;
  onResult?: (job: string, status: JobRunResult['status']) => void;
  /**
   * How soon a killed worker's job is retried: its lock expires after `lockDurationMs` (default 30 s)
   * and the stalled check runs every `stalledIntervalMs` (default 15 s). Tests shorten both.
   */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** How soon a job deferred because another copy holds its lease is tried again (default 30 s). */
  busyRetryMs?: number;
}

/** A BullMQ worker over the run queue; each job name maps to its definition in jobs/. */
export function createWorker(options: WorkerOptions) {
  const byName = new Map(options.definitions.map((d) => [d.name as string, d]));
  const shutdown = new AbortController();
  const connection = createRedisConnection(options.redisUrl, true);
  const worker = new Worker(
    RUN_QUEUE,
    async (job, token) => {
      const def = byName.get(job.name);
      if (!def) throw new UnrecoverableError(`no processor for job "${job.name}"`);
      const result = await options.run(
        def,
        {
          id: job.id ?? '',
          name: job.name,
          data: job.data,
          attemptsMade: job.attemptsMade,
          maxAttempts: job.opts.attempts ?? 1,
          updateProgress: (p) => job.updateProgress(p),
        },
        shutdown.signal,
      );
      options.onResult?.(job.name, result.status);
      if (result.status === 'failed') throw new UnrecoverableError(result.message);
      if (result.status === 'retry') throw result.error;
      if (result.status === 'later') {
        // Back to the delayed set under the same id, without spending an attempt.
        await job.moveToDelayed(Date.now() + (options.busyRetryMs ?? 30_000), token);
        throw new DelayedError(result.reason);
      }
      return result.status === 'done' ? { outcome: result.outcome.type } : { skipped: result.reason };
    },
    {
      connection,
      prefix: options.prefix ?? DEFAULT_QUEUE_PREFIX,
      concurrency: options.concurrency ?? 8,
      // Long jobs (backup, restore) keep their lock by renewal; a killed worker's job is retried
      // after the stalled check instead of being lost.
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 15_000,
      maxStalledCount: 2,
    },
  );
  worker.on('error', (err) => options.log.warn({ err: err.message }, 'worker error'));
  worker.on('failed', (job, err) =>
    options.log.warn({ jobId: job?.id, err: err.message }, 'job attempt failed'),
  );
  return {
    worker,
    async close() {
      shutdown.abort();
      await worker.waitUntilReady().catch(() => undefined);
      await worker.close();
      connection.disconnect();
    },
  };
}
