import { Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { createJobQueue } from '../../src/queue/create-job-queue.js';
import { RUN_QUEUE } from '../../src/queue/queue-names.js';
import { TEST_REDIS_URL, uniqueQueuePrefix } from '../support/test-redis.js';

describe('JobQueue (real Redis, BullMQ)', () => {
  const prefix = uniqueQueuePrefix();
  const jobs = createJobQueue({ redisUrl: TEST_REDIS_URL, prefix, attempts: 1 });
  afterAll(async () => {
    await jobs.queue.obliterate({ force: true });
    await jobs.close();
  });

  it('adds a deterministic id once, and retries it when it had failed', async () => {
    const payload = { v: 1 as const, runId: 'prod-1' };
    await jobs.enqueue({ job: 'backup', jobId: 'prod-1.backup', payload });
    await jobs.enqueue({ job: 'backup', jobId: 'prod-1.backup', payload });
    expect(await jobs.pendingJobIds('prod-1')).toEqual(['prod-1.backup']);

    let calls = 0;
    const worker = new Worker(
      RUN_QUEUE,
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('first attempt fails for good');
      },
      { connection: { url: TEST_REDIS_URL }, prefix },
    );
    await new Promise<void>((resolve) => worker.once('failed', () => resolve()));
    expect(await (await jobs.queue.getJob('prod-1.backup'))?.getState()).toBe('failed');
    await jobs.enqueue({ job: 'backup', jobId: 'prod-1.backup', payload });
    await new Promise<void>((resolve) => worker.once('completed', () => resolve()));
    expect(calls).toBe(2);
    await worker.close();
  });

  it('cancels only the jobs of one run', async () => {
    await jobs.enqueue({
      job: 'compare',
      jobId: 'prod-2.compare.1',
      payload: { v: 1, runId: 'prod-2' },
      delayMs: 60_000,
    });
    await jobs.enqueue({
      job: 'compare',
      jobId: 'prod-3.compare.1',
      payload: { v: 1, runId: 'prod-3' },
      delayMs: 60_000,
    });
    expect(await jobs.cancelRunJobs('prod-2')).toBe(1);
    expect(await jobs.pendingJobIds('prod-2')).toEqual([]);
    expect(await jobs.pendingJobIds('prod-3')).toEqual(['prod-3.compare.1']);
  });
});
