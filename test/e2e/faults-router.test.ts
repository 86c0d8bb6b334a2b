import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0FAULTRT1';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';

/**
 * Issue 8, item 5: the traffic router misbehaves. Passing 5xx answers are absorbed by bounded
 * retries; a router that reports a different weight on read-back fails the step with a clear
 * message in the thread, `runs.applied_weight` keeps the confirmed value, and once the router is
 * fixed a new approval applies the step.
 */
describe('traffic router faults', () => {
  let pair: KongPair;
  let bot: TestBot;

  beforeAll(async () => {
    pair = await startKongPair({ seedY: true, xVersion: '3.4.2' });
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
        environments: {
          prod: pair.environment({ plan: { steps: [5, 25, 100], observeSeconds: 3600 } }),
        },
      },
      workers: true,
      definitions: seededYDefinitions(),
    });
  }, 120_000);

  afterAll(async () => {
    await bot?.close();
    await pair?.close();
  });

  const store = () => bot.composition.store;

  function pendingGate(target: number): Promise<Gate> {
    return postedGate(store().gates, 'prod-1', { kind: 'shift', target });
  }

  function click(gate: Gate) {
    return clickGate(bot.requester, gate, { userId: APPROVER, channelId: CHANNEL });
  }

  async function thread(): Promise<string[]> {
    const run = await store().runs.getRun('prod-1');
    return bot.slack.thread(CHANNEL, run?.threadTs ?? '').map((m) => m.text);
  }

  const routerPosts = () => pair.router.posts();

  /**
   * What a step up needs (Y held its step past the observation period with a passing comparison),
   * recorded just before asking and approving: this file is about the router, not the metrics.
   */
  async function readyForStepUp() {
    await bot.composition.db.query(
      "UPDATE runs SET last_verdict = 'pass', step_started_at = now() - interval '2 hours' WHERE id = 'prod-1'",
    );
  }

  it('two 502s from the router are retried within bounds; the step is applied once', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    const gate = await pendingGate(5);
    pair.router.failNext(502, 'bad gateway', 2);
    await click(gate);
    await eventually(async () => (await store().runs.getRun('prod-1'))?.appliedWeight === 5, 30_000);
    expect(routerPosts().map((w) => w.y)).toEqual([5]);
    expect(pair.router.weights).toEqual({ x: 95, y: 5 });
    expect((await thread()).filter((t) => t.startsWith(':x:'))).toEqual([]);
  }, 60_000);

  it('a router reporting another weight on read-back: clear message, weight unchanged, a later approval works', async () => {
    await readyForStepUp();
    await bot.requester.slashCommand({ text: 'shift prod-1 25', userId: REQUESTER, channelId: CHANNEL });
    pair.router.reportRaw(JSON.stringify({ x: 95, y: 5 }));
    const asked = await pendingGate(25);
    await readyForStepUp();
    await click(asked);
    // Bounded: the job gives up after its attempts and says so in the thread.
    const failure = await eventually(
      async () => (await thread()).find((t) => t.includes('traffic step failed')),
      60_000,
    );
    expect(failure).toMatch(/accepted x=75 % \/ y=25 % but now reports x=95 % \/ y=5 %/);
    expect(failure).toMatch(/recorded weight is unchanged \(Y 5 %\)/);
    expect(failure).toMatch(/shift prod-1 <percent>/);
    const run = await store().runs.getRun('prod-1');
    expect(run?.appliedWeight).toBe(5);
    expect(run?.phase).toBe('observing');
    const posts = routerPosts().length;
    expect(posts).toBeGreaterThan(1);
    expect(posts).toBeLessThanOrEqual(1 + 5);
    const events = await store().events.listEvents('prod-1');
    expect(events.filter((e) => e.kind === 'traffic.weight_applied')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'job.shift.failed').map((e) => e.details.code)).toEqual([
      'E_ROUTER_READBACK',
    ]);

    // The router is fixed: it already holds 25 %, so the new approval only confirms and records it.
    pair.router.reportRaw(undefined);
    await readyForStepUp();
    await bot.requester.slashCommand({ text: 'shift prod-1 25', userId: REQUESTER, channelId: CHANNEL });
    const again = await pendingGate(25);
    await readyForStepUp();
    await click(again);
    await eventually(async () => (await store().runs.getRun('prod-1'))?.appliedWeight === 25, 30_000);
    expect(routerPosts()).toHaveLength(posts);
    expect(pair.router.weights).toEqual({ x: 75, y: 25 });
  }, 120_000);
});
