import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import type { Run } from '../../src/domain/run.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startLoadLoop } from '../support/load-loop.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { type SlowHttpProxy, startSlowHttpProxy } from '../support/slow-http-proxy.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const CHANNEL = 'C0PARTIAL1';
const STARTER = 'U0START';
const APPROVER = 'U0APPR';
const TOKEN = 'front-kong-token-5150';
const X = 'kong-x:8000';
const Y = 'kong-y:8000';

/**
 * Case 5 of the traffic promise: the kong-upstream router sets a split with one PATCH per target. When
 * the front Kong takes the first and refuses the second, the load balancer is left between the two
 * splits. The bot reads it back, records the split it found, says so in the thread (never "unchanged"),
 * and a rollback from there ends at 100 % on X.
 */
describe('a router write that lands part-way (whole bot, kong-upstream router)', () => {
  let pair: KongPair;
  let frontDb: TestDatabase;
  let front: SimulatedKongNode;
  let proxy: SlowHttpProxy;
  let bot: TestBot;
  let load: { stop(): Promise<void> };
  let upstream: string;

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${front.adminUrl}${path}`, {
      method,
      headers: { 'kong-admin-token': TOKEN, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as unknown };
  };
  /** The front Kong's target weights, as Kong itself reports them. */
  const weights = async () => {
    const list = await admin('GET', `/upstreams/${upstream}/targets`);
    const data = (list.json as { data: { target: string; weight: number }[] }).data;
    return Object.fromEntries(data.map((t) => [t.target, t.weight]));
  };

  beforeAll(async () => {
    frontDb = await createTestDatabase('kub_front');
    await seedKongDatabase(frontDb.url, {
      version: '3.9.1',
      services: 1,
      routesPerService: 1,
      consumers: 1,
      upstreams: 1,
      targetsPerUpstream: 1,
      seed: 5,
    });
    [front, pair] = await Promise.all([
      startSimulatedKongNode({ databaseUrl: frontDb.url, version: '3.9.1', adminToken: TOKEN }),
      startKongPair({ seedY: true, xVersion: '3.4.2' }),
    ]);
    proxy = await startSlowHttpProxy(front.adminUrl);
    const list = await admin('GET', '/upstreams');
    upstream = (list.json as { data: { name: string }[] }).data[0]?.name ?? '';
    // The front Kong balances between the two clusters, all traffic on X.
    const targets = await admin('GET', `/upstreams/${upstream}/targets`);
    for (const t of (targets.json as { data: { id: string }[] }).data) {
      await admin('DELETE', `/upstreams/${upstream}/targets/${t.id}`);
    }
    await admin('POST', `/upstreams/${upstream}/targets`, { target: X, weight: 1000 });
    await admin('POST', `/upstreams/${upstream}/targets`, { target: Y, weight: 0 });

    const open = pair.seed.fixtures.open?.path ?? '/';
    load = startLoadLoop([`${pair.x.proxyUrl}${open}`, `${pair.y.proxyUrl}${open}`], 60);
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [STARTER, APPROVER], fourEyes: true },
        environments: {
          prod: pair.environment({
            metrics: {
              source: 'kong',
              intervalSeconds: 1,
              thresholds: { minRequests: 20, maxP95LatencyRatio: 4, maxP99LatencyRatio: 6 },
            },
            plan: { steps: [5, 25, 100], observeSeconds: 0 },
            traffic: {
              router: 'kong-upstream',
              'kong-upstream': { adminUrl: proxy.url, adminToken: TOKEN, upstream, xTarget: X, yTarget: Y },
            },
          }),
        },
      },
      workers: true,
      definitions: seededYDefinitions(),
      // One try per job: the refused PATCH is not retried into success behind the test's back.
      jobAttempts: 1,
      adapters: { routerAttempts: 1 },
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await bot?.close();
    await proxy?.close();
    await front?.close();
    await pair?.close();
    await frontDb?.drop();
  });

  const store = () => bot.composition.store;
  const gate = (kind: Gate['kind'], target?: number) =>
    postedGate(store().gates, 'prod-1', { kind, target }, 40_000);
  const click = (g: Gate, userId = APPROVER) => clickGate(bot.requester, g, { userId, channelId: CHANNEL });
  const runAt = (check: (r: Run) => boolean) =>
    eventually(async () => {
      const r = await store().runs.getRun('prod-1');
      return r && check(r) ? r : null;
    }, 40_000);

  it('the second PATCH refused: the split found is recorded and said; rollback from there ends at 100 % X', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: STARTER, channelId: CHANNEL });
    await click(await gate('shift', 5));
    await runAt((r) => r.appliedWeight === 5 && r.phase !== 'shifting');
    expect(await weights()).toEqual({ [X]: 950, [Y]: 50 });

    // 5 → 25: Y grows first (PATCH Y 250 lands), then the PATCH of X is refused.
    proxy.failNext({ method: 'PATCH', pathIncludes: `/targets/${X}` }, 500, '{"message":"database busy"}');
    await click(await gate('shift', 25));
    const run = await runAt((r) => r.appliedWeight !== 5 && r.phase !== 'shifting');
    expect(await weights()).toEqual({ [X]: 950, [Y]: 250 });
    // Kong now sends 250 / 1200 = 21 % to Y: that is what the run records, not 5 and not 25.
    expect(run.appliedWeight).toBe(21);
    const thread = await eventually(() => {
      const text = bot.slack
        .thread(CHANNEL, run.threadTs ?? '')
        .map((m) => m.text)
        .join('\n');
      return /Y 21 %/.test(text) && text;
    }, 20_000);
    expect(thread).not.toMatch(/weight (is )?unchanged/i);
    const failed = (await store().events.listEvents('prod-1')).filter((e) => e.kind === 'job.shift.failed');
    expect(failed.at(-1)?.details.observedWeight).toBe(21);

    // The run is not stuck between splits: a rollback from 21 % ends at 100 % on X.
    await bot.requester.slashCommand({ text: 'rollback prod-1', userId: APPROVER, channelId: CHANNEL });
    await click(await gate('rollback'), STARTER);
    const rolled = await runAt((r) => r.phase === 'rolled_back');
    expect(rolled.appliedWeight).toBe(0);
    expect(await weights()).toEqual({ [X]: 1000, [Y]: 0 });
  }, 180_000);
});
