import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startLoadLoop } from '../support/load-loop.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0SAFETY01';
const STARTER = 'U0START';
const APPROVER = 'U0APPR';
const OTHER = 'U0OTHR';

/**
 * The traffic promise with the real bot, workers, BullMQ, PostgreSQL, simulated Kong and a webhook
 * load balancer that can be slowed, as an incident would play it: a rollback approved while a shift's
 * write is in flight, an approver approving the step they asked for, a decrease below 100 % followed by
 * completion, an abort while a write is in flight, and starts on top of a live split.
 */
describe('traffic moves only as approved (whole bot)', () => {
  let pair: KongPair;
  let bot: TestBot;
  let load: { stop(): Promise<void> };

  beforeAll(async () => {
    pair = await startKongPair({ seedY: true, xVersion: '3.4.2' });
    const open = pair.seed.fixtures.open?.path ?? '/';
    load = startLoadLoop([`${pair.x.proxyUrl}${open}`, `${pair.y.proxyUrl}${open}`], 60);
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [STARTER, APPROVER, OTHER], fourEyes: true },
        environments: {
          prod: pair.environment({
            metrics: {
              source: 'kong',
              intervalSeconds: 1,
              // Latency on a loaded 2-core machine is noisy; this file is about who moves traffic, not statistics.
              thresholds: { minRequests: 20, maxP95LatencyRatio: 4, maxP99LatencyRatio: 6 },
            },
            plan: { steps: [5, 25, 50, 100], observeSeconds: 0 },
          }),
        },
      },
      workers: true,
      definitions: seededYDefinitions(),
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await bot?.close();
    await pair?.close();
  });

  const store = () => bot.composition.store;
  const gate = (runId: string, kind: Gate['kind'], target?: number) =>
    postedGate(store().gates, runId, { kind, target }, 40_000);
  const click = (g: Gate, userId: string, actionId = 'gate.approve') =>
    clickGate(bot.requester, g, { userId, actionId, channelId: CHANNEL });
  const command = async (userId: string, text: string): Promise<string> => {
    const reply = await bot.requester.slashCommand({ text, userId, channelId: CHANNEL });
    return String(JSON.parse(reply.body).text ?? '');
  };
  const runAt = async (
    runId: string,
    check: (r: NonNullable<Awaited<ReturnType<typeof getRun>>>) => boolean,
  ) => {
    try {
      return await eventually(async () => {
        const r = await getRun(runId);
        return r && check(r) ? r : null;
      }, 40_000);
    } catch (err) {
      // Say where the run stood, so a timeout explains itself.
      const events = await store().events.listEvents(runId);
      const recent = events.slice(-12).map((e) => `${e.kind} ${e.actor} ${JSON.stringify(e.details)}`);
      throw new Error(
        `${(err as Error).message}; ${runId}: ${JSON.stringify(await getRun(runId))}\n${recent.join('\n')}`,
      );
    }
  };
  const getRun = (runId: string) => store().runs.getRun(runId);
  const thread = async (runId: string) => {
    const r = await getRun(runId);
    return bot.slack
      .thread(CHANNEL, r?.threadTs ?? '')
      .map((m) => m.text)
      .join('\n');
  };
  const posts = () => pair.router.posts().map((w) => w.y);

  it('a rollback approved while a shift is being written waits for that write, then sends 100 % to X', async () => {
    await command(STARTER, 'start prod');
    await click(await gate('prod-1', 'shift', 5), APPROVER);
    await runAt('prod-1', (r) => r.appliedWeight === 5 && r.phase === 'observing');
    const next = await gate('prod-1', 'shift', 25);
    // The load balancer takes 4 s to apply the next write.
    pair.router.slowNextPost(4_000);
    await click(next, APPROVER);
    await eventually(() => posts().includes(25), 20_000);
    expect(pair.router.weights.y).toBe(5); // the write is in flight
    expect(await command(OTHER, 'rollback prod-1')).toMatch(/rollback approval requested/);
    const rollback = await gate('prod-1', 'rollback');
    await click(rollback, STARTER); // any approver, the starter included, may approve a rollback
    const run = await runAt('prod-1', (r) => r.phase === 'rolled_back');
    // The rollback wrote after the shift's write landed, and the router ends at 0.
    expect(posts().slice(-2)).toEqual([25, 0]);
    expect(pair.router.weights).toEqual({ x: 100, y: 0 });
    expect(run.appliedWeight).toBe(0);
    const text = await eventually(async () => {
      const t = await thread('prod-1');
      return /Rolled back: X 100 % \/ Y 0 %/.test(t) && t;
    });
    expect(text).not.toMatch(/Rolled back: X 75/);
    // Nothing is left to approve after the run ended.
    expect(await store().gates.pendingGates('prod-1')).toEqual([]);
  }, 120_000);

  it('a run starts only from 100 % on X: preflight says what the router has', async () => {
    pair.router.weights = { x: 90, y: 10 };
    try {
      await command(STARTER, 'start prod');
      const run = await runAt('prod-2', (r) => r.phase === 'failed');
      expect(run.failureReason).toMatch(/already sends Y 10 % of the traffic \(X 90 %\)/);
      expect(posts().at(-1)).toBe(0); // the bot wrote nothing
    } finally {
      pair.router.weights = { x: 100, y: 0 };
    }
  }, 90_000);
});
