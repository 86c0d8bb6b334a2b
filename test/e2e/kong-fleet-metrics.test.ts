import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import type { Run } from '../../src/domain/run.js';
import { type LoadGenerator, startLoadGenerator } from '../../src/sandbox/load-generator.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import {
  type SimulatedKongCluster,
  startSimulatedKongCluster,
} from '../../src/sandbox/simulated-kong-cluster.js';
import { startWeightedBalancer, type WeightedBalancer } from '../../src/sandbox/weighted-balancer.js';
import type { MetricSample } from '../../src/store/metric-sample-store.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { ROUTER_SECRET } from '../support/kong-pair.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Kong as it really runs: X is a Kong 2.8.4 cluster of two nodes (2.8's Prometheus catalogue, no
 * node_id), Y a 3.9.1 cluster of three, each behind its own balancer, both behind the weighted
 * balancer the bot drives. The bot scrapes every node listed in `metricsUrls` every 2 s.
 */
const CHANNEL = 'C0FLEET01';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';
const INTERVAL_SECONDS = 2;
const RATE = 400;
const UPSTREAM_MS = 60;

describe('2.8 → 3.9 across clusters of several nodes', () => {
  let xDb: TestDatabase;
  let yDb: TestDatabase;
  let x: SimulatedKongCluster;
  let y: SimulatedKongCluster;
  let balancer: WeightedBalancer;
  let load: LoadGenerator;
  let bot: TestBot;
  let backupDir: string;

  beforeAll(async () => {
    [xDb, yDb] = await Promise.all([createTestDatabase('kub_fleetx'), createTestDatabase('kub_fleety')]);
    const seed = { services: 2, routesPerService: 1, consumers: 2, seed: 7 };
    const [xSeed, ySeed] = await Promise.all([
      seedKongDatabase(xDb.url, { version: '2.8.4', ...seed }),
      seedKongDatabase(yDb.url, { version: '3.9.1', ...seed }),
    ]);
    const open = xSeed.fixtures.open?.path ?? '/';
    expect(ySeed.fixtures.open?.path).toBe(open);
    [x, y] = await Promise.all([
      startSimulatedKongCluster({ databaseUrl: xDb.url, version: '2.8.4', nodes: 2 }),
      startSimulatedKongCluster({ databaseUrl: yDb.url, version: '3.9.1', nodes: 3 }),
    ]);
    for (const n of [...x.nodes, ...y.nodes]) n.setFaults({ addedLatencyMs: UPSTREAM_MS });
    balancer = await startWeightedBalancer({ xUrl: x.proxyUrl, yUrl: y.proxyUrl, secret: ROUTER_SECRET });
    load = startLoadGenerator({
      url: balancer.url,
      ratePerSecond: RATE,
      paths: [{ path: open }],
      maxInFlight: 64,
    });
    backupDir = await mkdtemp(join(tmpdir(), 'kub-fleet-'));
    const environment = (plan: number[]) => ({
      clusterX: {
        adminUrl: x.adminUrl,
        proxyUrl: x.proxyUrl,
        metricsUrls: x.metricsUrls,
        databaseUrl: xDb.url,
      },
      clusterY: {
        adminUrl: y.adminUrl,
        proxyUrl: y.proxyUrl,
        metricsUrls: y.metricsUrls,
        databaseUrl: yDb.url,
        version: '3.9.1',
      },
      backup: { dir: backupDir, jobs: 1 },
      deploy: { commands: [['node', '-e', 'console.log("ok")']], timeoutSeconds: 60 },
      traffic: { router: 'webhook', webhook: { url: balancer.controlUrl, secret: ROUTER_SECRET } },
      plan: { steps: plan, observeSeconds: 0 },
      // Latency limits wide: this file is about counting nodes and 5xx; on a loaded test machine the
      // extra balancer hop in front of each cluster adds tail lag that says nothing about Y.
      metrics: {
        source: 'kong',
        intervalSeconds: INTERVAL_SECONDS,
        thresholds: { minRequests: 100, maxP95LatencyRatio: 4, maxP99LatencyRatio: 6 },
      },
    });
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
        environments: {
          fleet: environment([50, 100]),
          fault: environment([25, 100]),
          walk: environment([25, 50, 100]),
        },
      },
      workers: true,
      definitions: seededYDefinitions(),
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await bot?.close();
    await balancer?.close();
    await Promise.allSettled([x?.close(), y?.close()]);
    await Promise.allSettled([xDb?.drop(), yDb?.drop()]);
    if (backupDir) await rm(backupDir, { recursive: true, force: true });
  });

  const pendingGate = (runId: string, kind: Gate['kind'], target?: number) =>
    postedGate(bot.composition.store.gates, runId, { kind, target });
  const click = (gate: Gate) => clickGate(bot.requester, gate, { userId: APPROVER, channelId: CHANNEL });
  async function getRun(runId: string): Promise<Run> {
    const run = await bot.composition.store.runs.getRun(runId);
    if (!run) throw new Error(`no run ${runId}`);
    return run;
  }
  const ySamples = async (runId: string): Promise<MetricSample[]> =>
    (await bot.composition.store.samples.listSamples(runId)).filter((s) => s.cluster === 'y');
  const describe_ = (list: MetricSample[]) =>
    list.map((s) => `${s.verdict} (${s.requests} req, ${s.errors5xx} 5xx)`).join(' | ');
  async function liveText(runId: string): Promise<string> {
    const run = await getRun(runId);
    const live = bot.slack.message(CHANNEL, run.comparisonTs ?? '');
    return live?.updates.at(-1)?.text ?? live?.text ?? '';
  }
  async function startAt(env: string, runId: string, weight: number): Promise<void> {
    await bot.requester.slashCommand({ text: `start ${env}`, userId: REQUESTER, channelId: CHANNEL });
    await click(await pendingGate(runId, 'shift', weight));
    await eventually(async () => (await getRun(runId)).appliedWeight === weight, 30_000);
  }
  async function nextWindow(runId: string): Promise<number> {
    const seen = (await ySamples(runId)).length;
    await eventually(async () => (await ySamples(runId)).length > seen, 30_000, 20);
    return Date.now();
  }
  /** Heals every node and ends the run whatever state a failed test left it in, so the next starts clean. */
  async function end(runId: string) {
    for (const n of [...x.nodes, ...y.nodes]) {
      n.setFaults({ errorRatio: 0, addedLatencyMs: UPSTREAM_MS });
      n.setMetricsFault('none');
    }
    const run = await bot.composition.store.runs.getRun(runId);
    if (!run || ['aborted', 'rolled_back', 'completed', 'failed'].includes(run.phase)) return;
    await bot.requester.slashCommand({ text: `abort ${runId}`, userId: REQUESTER, channelId: CHANNEL });
    await eventually(async () => (await getRun(runId)).phase === 'aborted', 30_000);
  }
  async function rollBack(runId: string, gate: Gate) {
    await click(gate);
    await eventually(async () => (await getRun(runId)).phase === 'rolled_back', 30_000);
    expect(balancer.weights()).toEqual({ x: 100, y: 0 });
  }

  it('fleet: Y counts every node; an unreachable Y node is named and never passes; one node at 60 % 5xx gets a rollback gate', async () => {
    try {
      const lost = y.nodes[2];
      if (!lost) throw new Error('three Y nodes expected');
      lost.setMetricsFault('hang');
      await startAt('fleet', 'fleet-1', 50);
      const blind = await eventually(async () => {
        const list = await ySamples('fleet-1');
        return list.length >= 3 && list;
      }, 30_000);
      expect(
        blind.map((s) => s.verdict),
        describe_(blind),
      ).toEqual(blind.map(() => 'insufficient_data'));
      expect(await bot.composition.store.gates.pendingGates('fleet-1')).toEqual([]);
      const blindText = await liveText('fleet-1');
      expect(blindText).toContain('(2 of 3 nodes)');
      expect(blindText).toContain(`${y.metricsUrls[2]} (timed out)`);

      lost.setMetricsFault('none');
      const gate100 = await pendingGate('fleet-1', 'shift', 100);
      expect(gate100.targetWeight).toBe(100);
      const counted = await eventually(async () => {
        const last = (await ySamples('fleet-1')).at(-1);
        return last && last.verdict !== 'insufficient_data' && last;
      }, 30_000);
      // The sum of three nodes, each serving a third: about Y's share of the load over the window.
      const seconds = (counted.windowEnd.getTime() - counted.windowStart.getTime()) / 1000;
      const expected = RATE * 0.5 * seconds;
      expect(counted.requests, describe_([counted])).toBeGreaterThan(expected * 0.6);
      expect(counted.requests).toBeLessThan(expected * 1.4);
      // The live message follows the decision (it never holds a verdict back): wait for it.
      await eventually(async () => (await liveText('fleet-1')).includes('(3 of 3 nodes)'), 15_000);

      const faultAt = await nextWindow('fleet-1');
      y.nodes[0]?.setFaults({ errorRatio: 0.6 });
      const rollback = await pendingGate('fleet-1', 'rollback');
      const all = await ySamples('fleet-1');
      expect(rollback.requestedAt.getTime() - faultAt, describe_(all)).toBeLessThanOrEqual(
        INTERVAL_SECONDS * 1000 + 5000,
      );
      y.nodes[0]?.setFaults({ errorRatio: 0 });
      await rollBack('fleet-1', rollback);
    } finally {
      await end('fleet-1');
    }
  }, 90_000);

  it('2.8.4 X, 3.9.1 Y: 5xx on Y at 25 % leads to a rollback gate', async () => {
    try {
      await startAt('fault', 'fault-1', 25);
      const faultAt = await nextWindow('fault-1');
      for (const n of y.nodes) n.setFaults({ errorRatio: 0.1 });
      const rollback = await pendingGate('fault-1', 'rollback').catch(async (e) => {
        console.log(describe_(await ySamples('fault-1')), await liveText('fault-1'));
        throw e;
      });
      const all = await ySamples('fault-1');
      expect(rollback.requestedAt.getTime() - faultAt, describe_(all)).toBeLessThanOrEqual(
        INTERVAL_SECONDS * 1000 + 5000,
      );
      for (const n of y.nodes) n.setFaults({ errorRatio: 0 });
      await rollBack('fault-1', rollback);
    } finally {
      await end('fault-1');
    }
  }, 60_000);

  it('2.8.4 X, 3.9.1 Y: a real verdict at every interval, the plan walked to 100 % and completed', async () => {
    try {
      await startAt('walk', 'walk-1', 25);
      for (const next of [50, 100]) {
        await click(await pendingGate('walk-1', 'shift', next));
        await eventually(async () => (await getRun('walk-1')).appliedWeight === next, 30_000);
      }
      await click(
        await pendingGate('walk-1', 'complete').catch(async (e) => {
          console.log(describe_(await ySamples('walk-1')), await liveText('walk-1'));
          throw e;
        }),
      );
      await eventually(async () => (await getRun('walk-1')).phase === 'completed', 30_000);
      const all = await ySamples('walk-1');
      expect(all.length).toBeGreaterThanOrEqual(3);
      // X on 2.8 is read: every window has X's requests (or X's last window with traffic at 100 %) and a
      // verdict. The first window is left out: it starts at the baseline scrape, so it may be very short.
      const real = all.slice(1);
      expect(
        real.every((s) => s.verdict === 'pass' || s.verdict === 'warn'),
        describe_(all),
      ).toBe(true);
      const xs = (await bot.composition.store.samples.listSamples('walk-1')).filter((s) => s.cluster === 'x');
      expect(
        xs.slice(1).every((s) => s.requests >= 100),
        xs.map((s) => s.requests).join(','),
      ).toBe(true);
      expect(balancer.weights()).toEqual({ x: 0, y: 100 });
    } finally {
      await end('walk-1');
    }
  }, 90_000);
});
