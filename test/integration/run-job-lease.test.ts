import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobDefinition } from '../../src/engine/job-definition.js';
import type { JobAttempt } from '../../src/engine/run-job.js';
import { runJob } from '../../src/engine/run-job.js';
import { createWorker } from '../../src/queue/create-worker.js';
import { createJobLeases, type JobLeases, type JobLeasesOptions } from '../../src/store/job-leases.js';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { eventually } from '../support/eventually.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';

let bot: TestBot;

beforeAll(async () => {
  bot = await startTestBot({ config: minimalConfigObject(), workers: false });
}, 60_000);
const opened: JobLeases[] = [];
/** Leases of one simulated process, closed with the file. */
function leasesFor(options: JobLeasesOptions): JobLeases {
  const leases = createJobLeases(options);
  opened.push(leases);
  return leases;
}

afterAll(async () => {
  await Promise.all(opened.map((l) => l.close()));
  await bot?.close();
});

function attempt(id: string, runId: string): JobAttempt {
  return {
    id,
    name: 'preflight',
    data: { v: 1, runId },
    attemptsMade: 0,
    maxAttempts: 5,
    updateProgress: async () => undefined,
  };
}

/**
 * Issue 8, item 2: Redis lost its data while a job ran, so the reconciler enqueued the same job again.
 * Two copies of one job id must never do the work at once.
 */
describe('runJob with a copy of the same job already running', () => {
  it('the second copy does nothing while the first runs; after it, a copy sees the run as it left it', async () => {
    const created = await bot.composition.store.runs.createRun(
      { environment: 'prod', requestedBy: 'U1', channel: 'C1', planSteps: [5, 100], dryRun: false },
      { actor: 'U1', kind: 'command.start', phase: null, details: {} },
    );
    if (!created.ok) throw new Error('expected a run');
    const runId = created.run.id;
    let calls = 0;
    let finish: () => void = () => undefined;
    const slow: JobDefinition = {
      name: 'preflight',
      phase: 'preflight',
      run: async () => {
        calls++;
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
        return { type: 'done' };
      },
    };
    const { engine } = bot.composition;
    // A copy waits this long for a taken lease before it leaves the job to the copy holding it.
    const deps = {
      ...bot.composition.deps,
      leases: leasesFor({ databaseUrl: bot.database.url, busyWaitMs: 600, retryMs: 100 }),
    };
    const shutdown = new AbortController().signal;
    const first = runJob(slow, attempt(`${runId}.preflight`, runId), deps, engine, shutdown);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toBe(1);
    // Not completed as skipped: the queue tries it again later (the first copy may yet die).
    const second = await runJob(slow, attempt(`${runId}.preflight`, runId), deps, engine, shutdown);
    expect(second).toEqual({ status: 'later', reason: 'another copy is running' });
    expect(calls).toBe(1);
    // A different job id is not held back.
    const other: JobDefinition = { ...slow, run: async () => ({ type: 'done' }) };
    expect(await runJob(other, attempt(`${runId}.preflight-other`, runId), deps, engine, shutdown)).toEqual({
      status: 'done',
      outcome: { type: 'done' },
    });
    finish();
    expect(await first).toEqual({ status: 'done', outcome: { type: 'done' } });
    // The lease is free again: a later copy runs (the run is still in preflight, as 'done' decides nothing).
    const third = runJob(slow, attempt(`${runId}.preflight`, runId), deps, engine, shutdown);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toBe(2);
    finish();
    expect((await third).status).toBe('done');
    expect(bot.logs.some((l) => l.includes('another copy of it is running; trying again later'))).toBe(true);
  }, 30_000);

  it('a copy handed a killed worker’s job waits for that worker’s lease to go, then does the work', async () => {
    const runId = await newRun();
    const jobId = `${runId}.preflight`;
    // The killed worker's session: PostgreSQL has not noticed yet that its client is gone.
    const deadWorker = leasesFor({ databaseUrl: bot.database.url });
    const held = await deadWorker.tryAcquire(jobId);
    if (!held) throw new Error('expected the lease');
    setTimeout(() => void held.release(), 700);
    const step = countingStep();
    const deps = {
      ...bot.composition.deps,
      leases: leasesFor({ databaseUrl: bot.database.url, busyWaitMs: 5_000, retryMs: 100 }),
    };
    const shutdown = new AbortController().signal;
    expect(await runJob(step, attempt(jobId, runId), deps, bot.composition.engine, shutdown)).toEqual({
      status: 'done',
      outcome: { type: 'done' },
    });
    expect(step.calls).toBe(1);
    // A compare job (no phase of its own) does not wait: the reconciler re-creates a lost one.
    const again = await deadWorker.tryAcquire(`${runId}.compare.1`);
    const compare: JobDefinition = { ...step, name: 'compare', phase: null };
    const patient = {
      ...deps,
      leases: leasesFor({ databaseUrl: bot.database.url, busyWaitMs: 25_000, retryMs: 100 }),
    };
    const started = Date.now();
    expect(
      await runJob(compare, attempt(`${runId}.compare.1`, runId), patient, bot.composition.engine, shutdown),
    ).toEqual({ status: 'skipped', reason: 'another copy is running' });
    expect(Date.now() - started).toBeLessThan(12_000); // far from the 25 s it would have waited
    await again?.release();
  }, 45_000);

  it('a step whose lease a live copy holds past the wait goes back to the queue, and runs once that copy is gone', async () => {
    const runId = await newRun();
    const jobId = `${runId}.preflight`;
    // The first copy of the step, still running (Redis lost its job; the reconciler enqueued it again).
    const firstCopy = await leasesFor({ databaseUrl: bot.database.url }).tryAcquire(jobId);
    if (!firstCopy) throw new Error('expected the lease');
    const step = countingStep();
    const deps = {
      ...bot.composition.deps,
      leases: leasesFor({ databaseUrl: bot.database.url, busyWaitMs: 200, retryMs: 50 }),
    };
    const statuses: string[] = [];
    const worker = createWorker({
      redisUrl: TEST_REDIS_URL,
      prefix: bot.queuePrefix,
      log: bot.composition.deps.log,
      definitions: [step],
      busyRetryMs: 300,
      run: (def, a, shutdown) => runJob(def, a, deps, bot.composition.engine, shutdown),
      onResult: (_job, status) => statuses.push(status),
    });
    try {
      await bot.composition.queue.enqueue({ job: 'preflight', jobId, payload: { v: 1, runId } });
      await eventually(() => statuses.filter((s) => s === 'later').length >= 2, 10_000);
      const job = await jobState(jobId);
      // Deferred, not completed (a completed id cannot be enqueued again) and no attempt spent.
      expect(job).toMatchObject({
        state: expect.stringMatching(/^(delayed|waiting|active)$/),
        attemptsMade: 0,
      });
      expect(step.calls).toBe(0);

      // The first copy dies without finishing the step: the next try does it.
      await firstCopy.release();
      await eventually(async () => (await jobState(jobId))?.state === 'completed', 10_000);
      expect(step.calls).toBe(1);
      expect(statuses.at(-1)).toBe('done');
    } finally {
      await worker.close();
      await firstCopy.release();
    }
  }, 30_000);
});

async function newRun(): Promise<string> {
  const created = await bot.composition.store.runs.createRun(
    { environment: 'prod', requestedBy: 'U1', channel: 'C1', planSteps: [5, 100], dryRun: true },
    { actor: 'U1', kind: 'command.start', phase: null, details: {} },
  );
  if (!created.ok) throw new Error('expected a run');
  return created.run.id;
}

/** A preflight step that only counts its runs. */
function countingStep(): JobDefinition & { calls: number } {
  const step = {
    name: 'preflight',
    phase: 'preflight',
    calls: 0,
    run: async () => {
      step.calls++;
      return { type: 'done' };
    },
  } satisfies JobDefinition & { calls: number };
  return step;
}

async function jobState(jobId: string): Promise<{ state: string; attemptsMade: number } | null> {
  const job = await bot.composition.queue.queue.getJob(jobId);
  return job ? { state: await job.getState(), attemptsMade: job.attemptsMade } : null;
}
