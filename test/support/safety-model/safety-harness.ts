import pino from 'pino';
import { stringify } from 'yaml';
import { completeJob } from '../../../jobs/complete.js';
import { readbackJob } from '../../../jobs/readback.js';
import { rollbackJob } from '../../../jobs/rollback.js';
import { shiftJob } from '../../../jobs/shift.js';
import type { BotConfig } from '../../../src/config/config-schema.js';
import { parseConfigText } from '../../../src/config/load-config.js';
import type { DomainEvent } from '../../../src/domain/domain-event.js';
import type { Run } from '../../../src/domain/run.js';
import { kongAdminFor } from '../../../src/engine/adapters-for.js';
import type { EngineDeps } from '../../../src/engine/engine-deps.js';
import type { JobDefinition } from '../../../src/engine/job-definition.js';
import { reconcile } from '../../../src/engine/reconcile.js';
import { createRunEngine, type RunEngine } from '../../../src/engine/run-engine.js';
import { runJob } from '../../../src/engine/run-job.js';
import { fingerprintConfiguration, readConfiguration } from '../../../src/kong/read-configuration.js';
import { createCommandHandler } from '../../../src/slack/handle-command.js';
import { createGateClickHandler } from '../../../src/slack/handle-gate-click.js';
import type { Notifier } from '../../../src/slack/notifier.js';
import { createStore, type Store } from '../../../src/store/create-store.js';
import { createDb, type Db } from '../../../src/store/db.js';
import { createJobLeases, type JobLeases } from '../../../src/store/job-leases.js';
import { migrate } from '../../../src/store/migrate.js';
import { minimalConfigObject } from '../config-fixtures.js';
import { root39, startFakeKongAdmin } from '../fake-kong-admin.js';
import { createTestDatabase, type TestDatabase } from '../test-database.js';
import { type HoldingRouter, startHoldingRouter } from './holding-router.js';
import { createMemoryQueue, type MemoryQueue, type QueuedJob } from './memory-queue.js';

export const STARTER = 'U0START';
export const APPROVER_A = 'U0APPA';
export const APPROVER_B = 'U0APPB';
export const OUTSIDER = 'U0OUT';
export const APPROVERS = [STARTER, APPROVER_A, APPROVER_B];
export const USERS = [STARTER, APPROVER_A, APPROVER_B, OUTSIDER];
export const CHANNEL = 'C0MODEL01';
export const OBSERVE_SECONDS = 60;

const prep = (name: 'backup' | 'restore' | 'deploy' | 'verify'): JobDefinition => ({
  name,
  phase: name,
  run: async () => ({ type: 'succeeded', summary: `${name} done` }),
});

/** Freezes X for real: its fingerprint is read through the Admin API the drift checks read later. */
const preflight: JobDefinition = {
  name: 'preflight',
  phase: 'preflight',
  async run({ env, deps, log, signal }) {
    const x = kongAdminFor(env.clusterX, log, deps.adapters);
    const xFingerprint = fingerprintConfiguration(await readConfiguration(x, signal));
    return { type: 'succeeded', summary: 'preflight done', facts: { xFingerprint } };
  },
};

const DEFINITIONS: readonly JobDefinition[] = [
  readbackJob,
  preflight,
  prep('backup'),
  prep('restore'),
  prep('deploy'),
  prep('verify'),
  shiftJob,
  rollbackJob,
  completeJob,
];

/** A Slack that accepts everything: the model is about traffic, not about messages. */
function quietNotifier(): Notifier {
  let n = 0;
  return {
    post: async (m) => ({ ts: `${1_700_000_000 + ++n}.000100`, channel: m.channel }),
    update: async () => undefined,
    ephemeral: async () => undefined,
    upload: async () => undefined,
  };
}

/**
 * The real engine, store, jobs and Slack handlers over real PostgreSQL, with an in-memory queue the
 * test drives job by job, a clock it moves, and a router it can hold or break.
 */
export interface SafetyHarness {
  db: Db;
  store: Store;
  queue: MemoryQueue;
  router: HoldingRouter;
  config: BotConfig;
  deps: EngineDeps;
  engine: RunEngine;
  clock: { t: number };
  /** Jobs running now (launched and not yet finished). */
  running: Set<Promise<unknown>>;
  click(gateId: string, userId: string, action: 'approve' | 'reject'): Promise<string | undefined>;
  command(userId: string, text: string): Promise<string>;
  comparison(verdict: 'pass' | 'warn' | 'fail' | 'insufficient_data'): Promise<void>;
  /** Starts the job and returns once it finished, is waiting on the router, or `settleMs` passed. */
  launch(job: QueuedJob, settleMs?: number): Promise<void>;
  /** Runs queued jobs until none are left or `maxJobs` ran (a chain that never ends is bounded). */
  drain(maxJobs?: number): Promise<void>;
  /**
   * What a healthy run does next, in one step: the newest open gate approved by an approver who is
   * neither the starter nor its requester, its jobs run, the observation period passed and a passing
   * comparison. Random sequences reach the later steps (100 %, completion, decreases) through it.
   */
  healthyStep(): Promise<void>;
  /** An approver asks to send Y less traffic and another approves it; the step is applied. */
  healthyDecrease(): Promise<void>;
  reconcile(): Promise<void>;
  currentRun(): Promise<Run | null>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startSafetyHarness(): Promise<SafetyHarness> {
  const database: TestDatabase = await createTestDatabase('kub_safety_model');
  await migrate({ databaseUrl: database.url });
  const router = await startHoldingRouter();
  // X's Admin API: an empty configuration that never changes, read at the freeze and at every drift check.
  // The clusters' Admin APIs: a traditional 3.9 node with an empty configuration that never changes,
  // read at the freeze, at every drift check and before every increase.
  const kongX = await startFakeKongAdmin((req) =>
    req.path === '/'
      ? { json: root39() }
      : req.path === '/workspaces'
        ? { status: 404, json: { message: 'Not found' } }
        : { json: { data: [], next: null } },
  );
  const raw = minimalConfigObject();
  raw.slack = { channel: CHANNEL };
  raw.approvals = { approvers: APPROVERS, fourEyes: true, gateTimeoutMinutes: 60 };
  const prod = (raw.environments as Record<string, Record<string, unknown>>).prod as Record<string, unknown>;
  (prod.clusterX as Record<string, unknown>).adminUrl = kongX.url;
  (prod.clusterY as Record<string, unknown>).adminUrl = kongX.url;
  prod.traffic = { router: 'webhook', webhook: { url: router.url, secret: 'model-router-secret-0123' } };
  prod.plan = { steps: [5, 25, 50, 100], observeSeconds: OBSERVE_SECONDS };
  prod.metrics = { intervalSeconds: 10 };
  const config = parseConfigText(stringify(raw), {}, 'model.yaml');
  const clock = { t: Date.parse('2026-06-01T10:00:00.000Z') };
  const now = () => new Date(clock.t);
  const db = createDb({ databaseUrl: database.url, max: 12 });
  const lockDb = createDb({ databaseUrl: database.url, max: 6 });
  const store = createStore(db, { clock: now, routerLockDb: lockDb });
  const queue = createMemoryQueue();
  const log = pino({ level: 'silent' });
  const leases: JobLeases = createJobLeases({ databaseUrl: database.url, busyWaitMs: 50, retryMs: 10 });
  const deps: EngineDeps = {
    store,
    leases,
    queue,
    notifier: quietNotifier(),
    config,
    log,
    now,
    adapters: { routerAttempts: 1, routerTimeoutMs: 5_000, kongRetries: 0 },
  };
  const engine = createRunEngine(deps);
  const isApprover = async (user: string) => APPROVERS.includes(user);
  const clicks = createGateClickHandler({
    store,
    engine,
    notifier: deps.notifier,
    config,
    log,
    now,
    isApprover,
  });
  // Sequences start runs back to back: the per-user command limit is not what this model checks.
  const commands = createCommandHandler({
    store,
    queue,
    engine,
    config,
    log,
    now,
    isApprover,
    commandLimit: { burst: 1_000_000, refillMs: 1 },
  });
  const running = new Set<Promise<unknown>>();
  const shutdown = new AbortController();

  async function execute(job: QueuedJob): Promise<void> {
    const def = DEFINITIONS.find((d) => d.name === job.job);
    if (!def) {
      queue.active.delete(job.jobId);
      queue.done.add(job.jobId);
      return;
    }
    const result = await runJob(
      def,
      {
        id: job.jobId,
        name: job.job,
        data: job.payload,
        attemptsMade: job.attemptsMade,
        maxAttempts: 3,
        updateProgress: async () => undefined,
      },
      deps,
      engine,
      shutdown.signal,
    );
    queue.active.delete(job.jobId);
    if (result.status === 'retry' || result.status === 'later') {
      queue.waiting.push({ ...job, attemptsMade: job.attemptsMade + (result.status === 'retry' ? 1 : 0) });
    } else if (result.status === 'failed') {
      queue.failed.add(job.jobId);
    } else {
      queue.done.add(job.jobId);
    }
  }

  async function currentRun(): Promise<Run | null> {
    const [row] = await db.query('SELECT id FROM runs ORDER BY created_at DESC, number DESC LIMIT 1');
    return row ? store.runs.getRun(String(row.id)) : null;
  }

  const harness: SafetyHarness = {
    db,
    store,
    queue,
    router,
    config,
    deps,
    engine,
    clock,
    running,
    async click(gateId, userId, action) {
      const reply = await clicks({ gateId, userId, action });
      await reply.after?.();
      return reply.ephemeral;
    },
    async command(userId, text) {
      const reply = await commands({ text, userId, channelId: CHANNEL });
      await reply.after?.();
      return reply.ack.text;
    },
    async comparison(verdict) {
      const run = await currentRun();
      if (!run) return;
      // What the compare job reports (jobs/compare.ts), without scraping anything.
      const observedEnough =
        clock.t - (run.stepStartedAt ?? run.phaseStartedAt).getTime() >= OBSERVE_SECONDS * 1000;
      const rollbackPending = (await store.gates.pendingGates(run.id)).some((g) => g.kind === 'rollback');
      const event: DomainEvent = {
        type: 'comparison_made',
        verdict,
        failing: verdict === 'fail' ? ['5xx ratio on Y 9 % vs X 0.1 %'] : [],
        drift: run.phase === 'observing' && observedEnough ? [] : null,
        rollbackPending,
      };
      await engine.applyNow(run.id, event);
    },
    async launch(job, settleMs = 300) {
      const heldBefore = router.heldCount();
      const promise = execute(job).catch(() => undefined);
      running.add(promise);
      void promise.finally(() => running.delete(promise));
      const started = Date.now();
      let finished = false;
      void promise.then(() => {
        finished = true;
      });
      while (!finished && router.heldCount() === heldBefore && Date.now() - started < settleMs) {
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async drain(maxJobs = 40) {
      for (let i = 0; i < maxJobs; i++) {
        await router.release();
        await Promise.all([...running]);
        const job = queue.take(0);
        if (!job) {
          if (running.size === 0 && router.heldCount() === 0) return;
          continue;
        }
        // Writes a slow router holds are let through while the job runs (a slow router, not a dead
        // one: waiting out the router timeout here only costs time).
        let finished = false;
        const done = execute(job).finally(() => {
          finished = true;
        });
        while (!finished) {
          await router.release();
          await new Promise((r) => setTimeout(r, 2));
        }
        await done;
      }
    },
    async reconcile() {
      await reconcile(deps, engine);
    },
    async healthyDecrease() {
      const run = await currentRun();
      const weight = run?.appliedWeight ?? 0;
      if (!run || weight <= 1) return;
      await harness.command(APPROVER_A, `shift ${run.id} ${Math.max(1, Math.floor(weight / 2))}`);
      const [gate] = (await store.gates.pendingGates(run.id)).filter((g) => g.requestedBy === APPROVER_A);
      if (gate) await harness.click(gate.id, APPROVER_B, 'approve');
      await harness.drain();
    },
    async healthyStep() {
      const run = await currentRun();
      if (!run) return;
      const [gate] = (await store.gates.pendingGates(run.id)).slice(-1);
      if (gate) {
        const approver = [APPROVER_A, APPROVER_B].find(
          (u) => u !== run.requestedBy && u !== gate.requestedBy,
        );
        if (approver) await harness.click(gate.id, approver, 'approve');
      }
      await harness.drain();
      clock.t += (OBSERVE_SECONDS + 1) * 1000;
      await harness.comparison('pass');
      await harness.drain();
    },
    currentRun,
    async reset() {
      router.holding = false;
      await router.release();
      await Promise.all([...running]);
      await db.query(
        'TRUNCATE runs, run_events, gates, gate_approvals, metric_samples, backups, thread_outbox, environment_counters CASCADE',
      );
      router.reset();
      queue.waiting = [];
      queue.active.clear();
      queue.flush();
      clock.t = Date.parse('2026-06-01T10:00:00.000Z');
    },
    async close() {
      shutdown.abort();
      await router.close();
      await kongX.close();
      await leases.close();
      await lockDb.close();
      await db.close();
      await database.drop();
    },
  };
  return harness;
}
