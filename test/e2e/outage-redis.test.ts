import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import { reconcile } from '../../src/engine/reconcile.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startLoadLoop } from '../support/load-loop.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  type ServiceBot,
  startBotOnServices,
  startThrowawayRedis,
  type ThrowawayRedis,
} from '../support/throwaway-services.js';

const CHANNEL = 'C0REDISLOS';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';

/**
 * Issue 8, item 2 (docs/architecture.md#data: BullMQ is never the only place a fact lives): the bot's own Redis
 * loses everything (FLUSHALL) while a run is queued, while an approved step waits for its job, and
 * while traffic is split; the reconciler rebuilds the jobs from PostgreSQL and the run finishes.
 */
describe('Redis loses its data in the middle of a run', () => {
  let redis: ThrowawayRedis;
  let database: TestDatabase;
  let pair: KongPair;
  let bot: ServiceBot;
  let workers: { close(): Promise<void> } | null = null;
  let load: { stop(): Promise<void> };

  beforeAll(async () => {
    [redis, database, pair] = await Promise.all([
      startThrowawayRedis(),
      createTestDatabase(),
      startKongPair({ seedY: true, xVersion: '3.4.2' }),
    ]);
    const open = pair.seed.fixtures.open?.path ?? '/';
    load = startLoadLoop([`${pair.x.proxyUrl}${open}`, `${pair.y.proxyUrl}${open}`], 60);
    bot = await startBotOnServices({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
        environments: {
          prod: pair.environment({
            metrics: { source: 'kong', intervalSeconds: 1, thresholds: { minRequests: 20 } },
            plan: { steps: [5, 100], observeSeconds: 4 },
          }),
        },
      },
      databaseUrl: database.url,
      redisUrl: redis.url,
      reconcileIntervalMs: 1000,
      definitions: seededYDefinitions(),
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await workers?.close();
    await bot?.close();
    await pair?.close();
    await database?.drop();
    await redis?.destroy();
  });

  const store = () => bot.composition.store;

  function pendingGate(kind: Gate['kind'], target?: number): Promise<Gate> {
    return postedGate(store().gates, 'prod-1', { kind, target });
  }

  function click(gate: Gate, userId = APPROVER) {
    return clickGate(bot.requester, gate, { userId, channelId: CHANNEL });
  }

  const routerPosts = () => pair.router.posts();

  it('a started run whose queued job was flushed is re-enqueued at worker start-up and reaches its first gate', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    // The start's post-ack work (which enqueues too, idempotently) must be over before Redis is lost.
    await eventually(async () => (await store().runs.getRun('prod-1'))?.cardTs);
    expect(await bot.composition.queue.pendingJobIds('prod-1')).toEqual(['prod-1.preflight']);
    await redis.flushAll();
    expect(await bot.composition.queue.pendingJobIds('prod-1')).toEqual([]);
    workers = bot.composition.startWorkers(2);
    await pendingGate('shift', 5);
    expect((await store().runs.getRun('prod-1'))?.phase).toBe('awaiting_gate');
  }, 60_000);

  it('an approved step whose job was flushed is applied once after the reconciler rebuilds it', async () => {
    await workers?.close();
    workers = null;
    const gate = await pendingGate('shift', 5);
    await click(gate);
    await eventually(async () => (await store().runs.getRun('prod-1'))?.phase === 'shifting');
    expect(await bot.composition.queue.pendingJobIds('prod-1')).toContain(`gate.${gate.id}`);
    await redis.flushAll();
    // What a reconciler finds to do right now, without workers: the lost gate job, nothing else.
    const { enqueued } = await reconcile(bot.composition.deps, bot.composition.engine);
    expect(enqueued).toEqual([`gate.${gate.id}`]);
    await redis.flushAll();
    workers = bot.composition.startWorkers(2);
    const run = await eventually(async () => {
      const r = await store().runs.getRun('prod-1');
      return r?.phase === 'observing' && r;
    }, 30_000);
    expect(run.appliedWeight).toBe(5);
    expect(routerPosts().map((w) => w.y)).toEqual([5]);
  }, 60_000);

  it('with traffic split, the lost compare chain is rebuilt: new samples, the next gate, the run completes', async () => {
    // Let the chain run, then take it away: no worker holds a compare job, and its next one is flushed.
    await eventually(async () => (await store().samples.listSamples('prod-1')).length >= 2, 20_000);
    await workers?.close();
    await redis.flushAll();
    const flushedAt = Date.now();
    const { enqueued } = await reconcile(bot.composition.deps, bot.composition.engine);
    expect(enqueued).toEqual([expect.stringMatching(/^prod-1\.compare\.\d+$/)]);
    await redis.flushAll();
    workers = bot.composition.startWorkers(2);
    const samples = await eventually(async () => {
      const all = await store().samples.listSamples('prod-1');
      return all.filter((s) => s.windowStart.getTime() >= flushedAt).length >= 2 && all;
    }, 20_000);
    expect(samples.length).toBeGreaterThan(2);
    await click(await pendingGate('shift', 100));
    await eventually(async () => (await store().runs.getRun('prod-1'))?.appliedWeight === 100, 30_000);
    // Emptied again while the completion gate waits: the approval still enqueues its job.
    await redis.flushAll();
    await click(await pendingGate('complete'));
    const done = await eventually(async () => {
      const r = await store().runs.getRun('prod-1');
      return r?.phase === 'completed' && r;
    }, 30_000);
    expect(done.appliedWeight).toBe(100);
    expect(routerPosts().map((w) => w.y)).toEqual([5, 100]);
    const events = await store().events.listEvents('prod-1');
    expect(events.filter((e) => e.kind === 'gate.approved')).toHaveLength(3);
    expect(events.filter((e) => e.kind === 'traffic.weight_applied').map((e) => e.details.weight)).toEqual([
      5, 100,
    ]);
    expect(events.filter((e) => e.kind === 'job.complete.succeeded')).toHaveLength(1);
  }, 90_000);

  it('a gate that falls due while Redis is empty expires from PostgreSQL and says so', async () => {
    // prod-1 completed with Y at 100 %: the router is pointed back at X first (a run starts only from
    // 100 % on X).
    pair.router.weights = { x: 100, y: 0 };
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    const gate = await eventually(async () => {
      const g = (await store().gates.pendingGates('prod-2'))[0];
      return g?.messageTs ? g : null;
    }, 30_000);
    await redis.flushAll();
    await bot.composition.db.query(
      "UPDATE gates SET expires_at = now() - interval '1 second' WHERE id = $1",
      [gate.id],
    );
    await eventually(async () => (await store().gates.getGate(gate.id))?.status === 'expired', 10_000);
    const run = await store().runs.getRun('prod-2');
    await eventually(() =>
      bot.slack.thread(CHANNEL, run?.threadTs ?? '').some((m) => m.text.includes('expired unanswered')),
    );
    expect(run?.phase).toBe('awaiting_gate');
  }, 60_000);

  it('Redis down when an approval is clicked: the reply says the approval stands and moving traffic is delayed; once Redis is back the step is applied once', async () => {
    await bot.requester.slashCommand({ text: 'abort prod-2', userId: REQUESTER, channelId: CHANNEL });
    await eventually(async () => (await store().runs.getRun('prod-2'))?.phase === 'aborted');
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    const gate = await postedGate(store().gates, 'prod-3', { kind: 'shift', target: 5 }, 30_000);
    const postsBefore = routerPosts().length;
    await redis.stop();
    try {
      const seen = bot.slack.responses().length;
      const reply = await click(gate);
      expect(reply.status).toBe(200);
      const said = await eventually(() => {
        const texts = bot.slack
          .responses()
          .slice(seen)
          .map((r) => String(r.body.text ?? ''));
        return texts.length > 0 && texts.join('\n');
      }, 15_000);
      // The truth: the approval is recorded; only starting its job waits for the queue.
      expect(said).toMatch(/approved/i);
      expect(said).toMatch(/delayed/i);
      expect(said).not.toMatch(/nothing (was )?changed/i);
      expect((await store().gates.getGate(gate.id))?.status).toBe('approved');
      expect(routerPosts().length).toBe(postsBefore);
    } finally {
      await redis.start();
    }
    // The reconciler rebuilds the job from PostgreSQL; the step is applied once.
    const run = await eventually(async () => {
      const r = await store().runs.getRun('prod-3');
      return r?.appliedWeight === 5 && r;
    }, 45_000);
    expect(run.appliedWeight).toBe(5);
    expect(
      routerPosts()
        .slice(postsBefore)
        .map((w) => w.y),
    ).toEqual([5]);
  }, 120_000);
});
