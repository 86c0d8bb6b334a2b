import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startLoadLoop } from '../support/load-loop.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0FASTDET1';
const STARTER = 'U0START';
const APPROVER = 'U0APPR';

/**
 * A comparison interval of 60 s does not make a gross failure wait a minute: both clusters are scraped
 * every `metrics.scrapeSeconds` (default 5 s), every scrape feeds the always-valid 5xx test, and 30 %
 * 5xx on Y posts the rollback gate within 10 s of the fault, before the first full comparison.
 */
describe('fast detection at intervalSeconds 60 (whole bot)', () => {
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
        approvals: { approvers: [STARTER, APPROVER], fourEyes: true },
        environments: {
          prod: pair.environment({
            metrics: {
              source: 'kong',
              intervalSeconds: 60,
              // scrapeSeconds is left at its default: 5 s with the kong source.
              thresholds: { minRequests: 20 },
            },
            plan: { steps: [5, 100], observeSeconds: 0 },
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

  it('30 % 5xx on Y at 5 %: the rollback gate is posted within 10 s, naming the 5xx test', async () => {
    const store = bot.composition.store;
    await bot.requester.slashCommand({ text: 'start prod', userId: STARTER, channelId: CHANNEL });
    const first = await postedGate(store.gates, 'prod-1', { kind: 'shift', target: 5 }, 60_000);
    // The charts' baseline: one window of X recorded with the first gate, before any traffic moves.
    const baseline = await eventually(
      async () => (await store.samples.listSamples('prod-1')).find((s) => s.details.baseline === true),
      20_000,
    );
    expect(baseline.cluster).toBe('x');
    expect(baseline.requests).toBeGreaterThan(0);
    await clickGate(bot.requester, first, { userId: APPROVER, channelId: CHANNEL });
    await eventually(async () => (await store.runs.getRun('prod-1'))?.appliedWeight === 5, 30_000);
    // Two healthy scrapes first: nothing is proposed on a healthy Y.
    await new Promise((r) => setTimeout(r, 11_000));
    expect((await store.gates.pendingGates('prod-1')).map((g) => g.kind)).not.toContain('rollback');

    const faultAt = Date.now();
    pair.y.setFaults({ errorRatio: 0.3 });
    const gate = await postedGate(store.gates, 'prod-1', { kind: 'rollback' }, 30_000);
    const postedAt = Number(gate.messageTs) * 1000;
    expect(postedAt - faultAt).toBeLessThanOrEqual(10_000);
    const message = bot.slack.message(CHANNEL, gate.messageTs ?? '');
    expect(`${message?.text} ${JSON.stringify(message?.blocks ?? null)}`).toMatch(/always-valid test/);
    // It came from the scrapes, before any full 60 s comparison was stored.
    const samples = await store.samples.listSamples('prod-1');
    expect(samples.every((s) => s.windowEnd.getTime() <= faultAt)).toBe(true);
    pair.y.setFaults({ errorRatio: 0 });
  }, 120_000);
});
