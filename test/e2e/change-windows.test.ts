import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startLoadLoop } from '../support/load-loop.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0WINDOWS1';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';

/**
 * Change windows with the real bot and a clock the test sets: it starts on Monday 2026-12-07 at 09:58
 * UTC and runs on in real time. prod is in a one-day blackout (the top-level windows); stage may move
 * traffic on Mondays 10:00–11:00 only (its own windows win).
 */
describe('change windows', () => {
  let pair: KongPair;
  let bot: TestBot;
  let load: { stop(): Promise<void> };
  const base = Date.parse('2026-12-07T09:58:00Z');
  const started = Date.now();
  let offsetMs = 0;
  const clock = () => new Date(base + (Date.now() - started) + offsetMs);

  beforeAll(async () => {
    pair = await startKongPair({ seedY: true, xVersion: '3.4.2' });
    const open = pair.seed.fixtures.open?.path ?? '/';
    load = startLoadLoop([`${pair.x.proxyUrl}${open}`, `${pair.y.proxyUrl}${open}`], 60);
    const env = (own: object) => ({
      ...pair.environment({
        metrics: {
          source: 'kong',
          intervalSeconds: 1,
          thresholds: { minRequests: 20, maxP95LatencyRatio: 1000, maxP99LatencyRatio: 1000 },
        },
        plan: { steps: [5, 100], observeSeconds: 0 },
      }),
      ...own,
    });
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true, gateTimeoutMinutes: 600 },
        changeWindows: { blackouts: [{ from: '2026-12-07', to: '2026-12-07', reason: 'release freeze' }] },
        environments: {
          prod: env({}),
          stage: env({ changeWindows: { allow: [{ days: ['mon'], from: '10:00', to: '11:00' }] } }),
        },
      },
      workers: true,
      definitions: seededYDefinitions(),
      clock,
      reconcileIntervalMs: 500,
    });
  }, 120_000);

  afterAll(async () => {
    if (process.env.KUB_DUMP_LOGS) {
      const fs = await import('node:fs');
      const events = await bot.composition.store.events.listEvents('stage-1');
      fs.writeFileSync(process.env.KUB_DUMP_LOGS, `${JSON.stringify(events, null, 1)}\n${bot.logs.join('')}`);
    }
    await load?.stop();
    await bot?.close();
    await pair?.close();
  });

  const store = () => bot.composition.store;
  async function command(text: string, userId = REQUESTER): Promise<string> {
    const before = bot.slack.responses().length;
    const reply = await bot.requester.slashCommand({ text, userId, channelId: CHANNEL });
    const ack = reply.body ? String((JSON.parse(reply.body) as { text?: string }).text ?? '') : '';
    if (ack) return ack;
    return eventually(() =>
      bot.slack
        .responses()
        .slice(before)
        .map((r) => String(r.body.text ?? ''))
        .join('\n'),
    );
  }
  const threadOf = async (runId: string) => {
    const run = await store().runs.getRun(runId);
    return bot.slack.thread(CHANNEL, run?.cardTs ?? '').map((m) => m.text ?? '');
  };

  it('a blackout covering now: start says when traffic can move, no gate is offered, a shift is refused, abort works', async () => {
    expect(await command('start prod')).toMatch(/No traffic moves now: .*release freeze/);
    await eventually(() => store().events.findLatestEvent('prod-1', 'window.deferred'), 60_000);
    const run = await store().runs.getRun('prod-1');
    expect(run?.phase).toBe('awaiting_gate');
    await eventually(async () =>
      (await threadOf('prod-1')).some((t) => /offered when the window opens/.test(t)),
    );
    // Several reconciler passes later there is still no gate.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await store().gates.listGates('prod-1')).toEqual([]);
    expect(await command('shift prod-1 5')).toMatch(/release freeze.*2026-12-08 00:00 UTC/);
    expect(await store().gates.listGates('prod-1')).toEqual([]);
    await command('abort prod-1');
    await eventually(async () => (await store().runs.getRun('prod-1'))?.phase === 'aborted');
    expect(pair.router.posts()).toEqual([]);
  }, 90_000);

  it('an allow window opening in 2 minutes: the gate appears when it opens; outside it an increase waits and a rollback is break-glass', async () => {
    expect(await command('start stage')).toMatch(/traffic may move again from 2026-12-07 10:00 UTC/);
    await eventually(() => store().events.findLatestEvent('stage-1', 'window.deferred'), 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await store().gates.listGates('stage-1')).toEqual([]);
    offsetMs += 2 * 60_000; // 10:00: the window opens
    const first = await postedGate(store().gates, 'stage-1', { kind: 'shift', target: 5 });
    await clickGate(bot.requester, first, { userId: APPROVER, channelId: CHANNEL });
    await eventually(async () => (await store().runs.getRun('stage-1'))?.appliedWeight === 5, 30_000);
    const next = await postedGate(store().gates, 'stage-1', { kind: 'shift', target: 100 });
    offsetMs += 60 * 60_000; // 11:00 and later: closed until next Monday
    await clickGate(bot.requester, next, { userId: APPROVER, channelId: CHANNEL });
    await eventually(async () =>
      (await store().events.listEvents('stage-1')).some(
        (e) => e.kind === 'gate.refused' && e.details.code === 'preconditions',
      ),
    );
    expect((await store().gates.getGate(next.id))?.status).toBe('pending');
    // The thread says why the pending step waits, and when it may be approved.
    await eventually(async () =>
      (await threadOf('stage-1')).some((t) =>
        /waits: it is outside the change windows.*2026-12-14 10:00 UTC/.test(t),
      ),
    );
    expect((await store().runs.getRun('stage-1'))?.appliedWeight).toBe(5);
    await command('rollback stage-1');
    const rollback = await postedGate(store().gates, 'stage-1', { kind: 'rollback' });
    await clickGate(bot.requester, rollback, { userId: APPROVER, channelId: CHANNEL });
    await eventually(async () => (await store().runs.getRun('stage-1'))?.appliedWeight === 0, 30_000);
    const events = await store().events.listEvents('stage-1');
    expect(events.find((e) => e.kind === 'command.rollback')?.details).toMatchObject({
      outsideChangeWindow: true,
    });
    expect(
      events.find((e) => e.kind === 'gate.approved' && e.details.gateId === rollback.id)?.details,
    ).toMatchObject({ outsideChangeWindow: true });
  }, 90_000);
});
