import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_DEFINITIONS } from '../../jobs/index.js';
import type { Gate } from '../../src/domain/gate.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startLoadLoop } from '../support/load-loop.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0HYBRID01';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';
const INTERVAL_S = 2;
const STALE_HASH = 'f'.repeat(32);

/**
 * Y is a hybrid control plane with two data planes; the whole chain runs for real (backup, restore,
 * deploy, verify), and traffic may move only while both data planes are ready.
 */
describe('hybrid mode: Y’s data planes gate every traffic step', () => {
  let pair: KongPair;
  let bot: TestBot;
  let load: { stop(): Promise<void> };

  beforeAll(async () => {
    pair = await startKongPair({
      xVersion: '3.4.2',
      yDataPlanes: [
        { hostname: 'kong-y-dp-1', ip: '10.1.0.1' },
        { hostname: 'kong-y-dp-2', ip: '10.1.0.2', syncStatus: 'plugin_set_incompatible' },
      ],
    });
    const open = pair.seed.fixtures.open?.path ?? '/';
    load = startLoadLoop([`${pair.x.proxyUrl}${open}`, `${pair.y.proxyUrl}${open}`], 60);
    const env = pair.environment({
      metrics: { source: 'kong', intervalSeconds: INTERVAL_S, thresholds: { minRequests: 20 } },
      plan: { steps: [5, 25, 100], observeSeconds: 0 },
    });
    (env.clusterY as Record<string, unknown>).minDataPlanes = 2;
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
        environments: { prod: env },
      },
      workers: true,
      definitions: JOB_DEFINITIONS,
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await bot?.close();
    await pair?.close();
  });

  const threadMessages = async (runId: string) => {
    const run = await bot.composition.store.runs.getRun(runId);
    return bot.slack.thread(CHANNEL, run?.threadTs ?? '').map((m) => m.text);
  };
  const threadText = async (runId: string) => (await threadMessages(runId)).join('\n');
  const pending = async (runId: string): Promise<Gate[]> => bot.composition.store.gates.pendingGates(runId);

  it('a plugin_set_incompatible DP: no gate, the thread names it; once normal, the first gate within one interval', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    await eventually(
      async () =>
        /kong-y-dp-2 \(10\.1\.0\.2\): sync_status plugin_set_incompatible/.test(await threadText('prod-1')),
      60_000,
    );
    // Only the DP that is wrong is named in the report (preflight lists every DP, with the CP-first order).
    const report = (await threadMessages('prod-1')).find((t) => /data planes are not ready/.test(t));
    expect(await threadText('prod-1')).toMatch(/upgrade the control plane first, then the data planes/);
    expect(report).toMatch(/kong-y-dp-2/);
    expect(report).not.toMatch(/kong-y-dp-1/);
    // Several polls later, still no gate.
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_S * 1000));
    expect(await pending('prod-1')).toEqual([]);
    expect((await bot.composition.store.runs.getRun('prod-1'))?.phase).toBe('verify');

    const fixedAt = Date.now();
    pair.y.setDataPlane('kong-y-dp-2', { syncStatus: 'normal' });
    const gate = await postedGate(bot.composition.store.gates, 'prod-1', { kind: 'shift', target: 5 });
    const delay = Date.now() - fixedAt;
    // One poll interval, plus the Admin API counts and smoke tests that follow the wait.
    expect(delay).toBeLessThan(INTERVAL_S * 1000 + 3000);
    expect(await threadText('prod-1')).toMatch(/data planes are connected, in sync/);
    expect(gate.targetWeight).toBe(5);
  }, 120_000);

  it('a stale config_hash at 5 %: no next gate and the thread names the DP; fixed, the gate follows', async () => {
    await clickGate(bot.requester, await postedGate(bot.composition.store.gates, 'prod-1', { target: 5 }), {
      userId: APPROVER,
      channelId: CHANNEL,
    });
    await eventually(
      async () => (await bot.composition.store.runs.getRun('prod-1'))?.appliedWeight === 5,
      30_000,
    );
    pair.y.setDataPlane('kong-y-dp-1', { configHash: STALE_HASH });
    await eventually(
      async () => /kong-y-dp-1 \(10\.1\.0\.1\): config_hash ffffffffffff…/.test(await threadText('prod-1')),
      30_000,
    );
    // Intervals pass with passing comparisons: the DP line is posted once, and no gate.
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_S * 1000));
    expect(await pending('prod-1')).toEqual([]);
    const events = await bot.composition.store.events.listEvents('prod-1');
    expect(events.filter((e) => e.kind === 'dataplanes.not_ready')).toHaveLength(1);

    pair.y.setDataPlane('kong-y-dp-1', { configHash: null });
    const fixedAt = Date.now();
    await postedGate(bot.composition.store.gates, 'prod-1', { kind: 'shift', target: 25 });
    expect(Date.now() - fixedAt).toBeLessThan(INTERVAL_S * 1000 + 3000);
  }, 120_000);

  it('an approved increase is refused while a DP is newer than the CP, and nothing moves', async () => {
    const gate = await postedGate(bot.composition.store.gates, 'prod-1', { kind: 'shift', target: 25 });
    pair.y.setDataPlane('kong-y-dp-2', { version: '3.10.0' });
    await clickGate(bot.requester, gate, { userId: APPROVER, channelId: CHANNEL });
    await eventually(
      async () => /newer than the control plane's 3\.9\.1/.test(await threadText('prod-1')),
      30_000,
    );
    expect(await threadText('prod-1')).toMatch(/traffic step failed: Y's data planes are not ready/);
    expect((await bot.composition.store.runs.getRun('prod-1'))?.appliedWeight).toBe(5);
    expect(pair.router.weights).toEqual({ x: 95, y: 5 });
  }, 60_000);
});
