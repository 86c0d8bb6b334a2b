import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { JobQueue } from './job-queue.js';
import { DEFAULT_QUEUE_PREFIX, RUN_QUEUE } from './queue-names.js';

export interface JobQueueOptions {
  redisUrl: string;
  prefix?: string;
  log?: Logger;
  /** Attempts for retryable failures (backoff is exponential from 2 s). */
  attempts?: number;
}

const PENDING_STATES = ['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children'] as const;

/**
 * Producer side: offline queue off so that a Redis outage fails fast in the ack path instead of
 * hanging past Slack's 3 s. Workers use their own connection with BullMQ's defaults.
 */
export function createRedisConnection(redisUrl: string, forWorker = false): Redis {
  return forWorker
    ? new Redis(redisUrl, { maxRetriesPerRequest: null })
    : new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
}

export function createJobQueue(options: JobQueueOptions): JobQueue & { readonly queue: Queue } {
  const connection = createRedisConnection(options.redisUrl);
  connection.on('error', (err) => options.log?.warn({ err: err.message }, 'redis connection error'));
  const queue = new Queue(RUN_QUEUE, {
    connection,
    prefix: options.prefix ?? DEFAULT_QUEUE_PREFIX,
    defaultJobOptions: {
      attempts: options.attempts ?? 5,
      backoff: { type: 'exponential', delay: 2000 },
      // Completed ids are kept a week so that re-enqueueing a finished step stays a no-op.
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
  queue.on('error', (err) => options.log?.warn({ err: err.message }, 'queue error'));

  async function jobsOf(runId: string, states: readonly string[]) {
    const jobs = await queue.getJobs(states as never[]);
    return jobs.filter((j) => j && (j.data as { runId?: string }).runId === runId);
  }

  return {
    queue,
    async enqueue({ job, jobId, payload, delayMs }) {
      try {
        const added = await queue.add(job, payload, { jobId, ...(delayMs ? { delay: delayMs } : {}) });
        // An id that BullMQ failed by itself (e.g. stalled too often) would block the step for good:
        // the run still says it is in flight, so try that job again.
        if ((await added.getState()) === 'failed') await added.retry('failed');
      } catch (cause) {
        throw new AppError('E_STORE_UNAVAILABLE', 'Redis did not accept the job; try again in a moment.', {
          retryable: true,
          cause,
        });
      }
    },
    async cancelRunJobs(runId) {
      const jobs = await jobsOf(runId, PENDING_STATES);
      let removed = 0;
      for (const j of jobs) {
        try {
          await j.remove();
          removed += 1;
        } catch {
          // It started meanwhile: the running job sees the run's phase and stops by itself.
        }
      }
      return removed;
    },
    async pendingJobIds(runId) {
      const jobs = await jobsOf(runId, [...PENDING_STATES, 'active']);
      return jobs.map((j) => j.id ?? '').filter(Boolean);
    },
    async ping() {
      await connection.ping();
    },
    async close() {
      // Closing while the connection is still being set up emits an unhandled error in BullMQ.
      await queue.waitUntilReady().catch(() => undefined);
      await queue.close();
      connection.disconnect();
    },
  };
}
