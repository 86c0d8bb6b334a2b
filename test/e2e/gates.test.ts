import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startLoadLoop } from '../support/load-loop.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0GATES001';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';
const OTHER_APPROVER = 'U0APP2';
const STRANGER = 'U0RAND';

/** Backup, restore, deploy and verify have their own end-to-end tests; here Y starts as a copy of X. */
describe('traffic shifting behind Slack approvals', () => {
  let pair: KongPair;
  let bot: TestBot;
  let load: { stop(): Promise<void> };

  beforeAll(async () => {
    pair = await startKongPair({ seedY: true, xVersion: '3.4.2' });
    const open = pair.seed.fixtures.open?.path ?? '/';
    load = startLoadLoop([`${pair.x.proxyUrl}${open}`, `${pair.y.proxyUrl}${open}`], 60);
    const env = pair.environment({
      metrics: { source: 'kong', intervalSeconds: 1, thresholds: { minRequests: 20 } },
      plan: { steps: [5, 25, 50, 100], observeSeconds: 0 },
    });
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER, OTHER_APPROVER], fourEyes: true },
        environments: { prod: env },
      },
      workers: true,
      definitions: seededYDefinitions(),
    });
  }, 120_000);

  afterAll(async () => {
    if (process.env.KUB_DUMP_LOGS)
      (await import('node:fs')).writeFileSync(process.env.KUB_DUMP_LOGS, bot.logs.join(''));
    await load?.stop();
    await bot?.close();
    await pair?.close();
  });

  function pendingGate(runId: string, kind: Gate['kind'], target?: number): Promise<Gate> {
    return postedGate(bot.composition.store.gates, runId, { kind, target });
  }

  function click(gate: Gate, userId: string, actionId = 'gate.approve') {
    return clickGate(bot.requester, gate, { userId, actionId, channelId: CHANNEL });
  }

  const routerPosts = () => pair.router.posts();

  async function phase(runId: string, expected: string) {
    return eventually(async () => {
      const r = await bot.composition.store.runs.getRun(runId);
      return r?.phase === expected && r;
    }, 30_000);
  }

  it('refuses the requester (four eyes) and a non-approver with an ephemeral message; nothing moves', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    const gate = await pendingGate('prod-1', 'shift', 5);
    await click(gate, REQUESTER);
    await click(gate, STRANGER);
    const texts = await eventually(() => {
      // The start command's own follow-up ("Card of … posted") is not one of the refusals.
      const r = bot.slack
        .responses()
        .map((x) => String(x.body.text ?? ''))
        .filter((t) => !t.startsWith('Card of'));
      return r.length >= 2 && r;
    });
    expect(texts.join('\n')).toMatch(/Four-eyes rule/);
    expect(texts.join('\n')).toMatch(/not an approver/);
    expect(bot.slack.responses().every((x) => x.body.response_type === 'ephemeral')).toBe(true);
    expect(routerPosts()).toEqual([]);
    expect((await bot.composition.store.gates.getGate(gate.id))?.status).toBe('pending');
    const events = await bot.composition.store.events.listEvents('prod-1');
    expect(
      events
        .filter((e) => e.kind === 'gate.refused')
        .map((e) => e.actor)
        .sort(),
    ).toEqual([REQUESTER, STRANGER].sort());
  });

  it('20 concurrent Approve clicks apply the weight exactly once', async () => {
    const gate = await pendingGate('prod-1', 'shift', 5);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => click(gate, i % 2 ? APPROVER : OTHER_APPROVER)),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const run = await phase('prod-1', 'observing');
    expect(run.appliedWeight).toBe(5);
    expect(routerPosts()).toEqual([{ x: 95, y: 5 }]);
    // Every click is answered at once; each is decided (and audited) right after: wait for all 20.
    const events = await eventually(async () => {
      const all = await bot.composition.store.events.listEvents('prod-1');
      return (
        all.filter((e) => e.kind.startsWith('gate.') && e.details.action === 'approve').length >= 20 && all
      );
    }).catch(async () => {
      const all = await bot.composition.store.events.listEvents('prod-1');
      throw new Error(
        JSON.stringify(all.filter((e) => e.kind.startsWith('gate.')).map((e) => [e.kind, e.details.code])),
      );
    });
    expect(events.filter((e) => e.kind === 'gate.approved')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'gate.refused' && e.details.code === 'not_pending')).toHaveLength(
      19,
    );
    expect(events.filter((e) => e.kind === 'traffic.weight_applied')).toHaveLength(1);
    // The gate message lost its buttons and says who approved.
    const message = bot.slack.message(CHANNEL, gate.messageTs ?? '');
    const last = message?.updates.at(-1);
    expect(JSON.stringify(last?.blocks)).not.toContain('gate.approve');
    expect(JSON.stringify(last?.blocks)).toMatch(/Approved by <@U0APP/);
  });

  it('goes 5 -> 25 -> 50 -> 100 -> complete with approvals; the router holds each weight in turn', async () => {
    for (const step of [25, 50, 100]) {
      const gate = await pendingGate('prod-1', 'shift', step);
      await click(gate, APPROVER);
      await eventually(
        async () => (await bot.composition.store.runs.getRun('prod-1'))?.appliedWeight === step,
        30_000,
      );
      expect(pair.router.weights).toEqual({ x: 100 - step, y: step });
    }
    const complete = await pendingGate('prod-1', 'complete');
    await click(complete, REQUESTER);
    expect((await bot.composition.store.gates.getGate(complete.id))?.status).toBe('pending');
    await click(complete, OTHER_APPROVER);
    const run = await phase('prod-1', 'completed');
    expect(run.appliedWeight).toBe(100);
    expect(routerPosts().map((w) => w.y)).toEqual([5, 25, 50, 100]);
    const events = await bot.composition.store.events.listEvents('prod-1');
    const decisions = events
      .filter((e) => e.kind === 'gate.approved')
      .map((e) => [e.details.kind, e.details.targetWeight, e.actor]);
    expect(decisions.map((d) => d.slice(0, 2))).toEqual([
      ['shift', 5],
      ['shift', 25],
      ['shift', 50],
      ['shift', 100],
      ['complete', 100],
    ]);
    const thread = bot.slack
      .thread(CHANNEL, run.threadTs ?? '')
      .map((m) => m.text)
      .join('\n');
    expect(thread).toMatch(/prod-1 summary/);
    expect(
      bot.slack
        .messages(CHANNEL)
        .map((m) => m.text)
        .join('\n'),
    ).toMatch(/write freeze on X has ended/i);
    // One live comparison message, updated in place; a PNG chart at the gates.
    expect(run.comparisonTs).toBeTruthy();
    const live = bot.slack.message(CHANNEL, run.comparisonTs ?? '');
    expect(live?.updates.length).toBeGreaterThan(0);
    // Each gate's chart is an unshared upload shown in the gate message itself.
    const charts = bot.slack.files().filter((f) => f.completed && f.filename.startsWith(`${run.id}-`));
    expect(charts.length).toBeGreaterThan(0);
    expect(charts[0]?.bytes?.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  }, 120_000);

  it('rollback from 25 %: asked with the command, approved, 100 % to X, run rolled_back, card says so', async () => {
    // prod-1 completed with Y at 100 %: the operator points the router back at X before the next run
    // (a run starts only from 100 % on X).
    pair.router.weights = { x: 100, y: 0 };
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    for (const step of [5, 25]) {
      await click(await pendingGate('prod-2', 'shift', step), APPROVER);
      await eventually(
        async () => (await bot.composition.store.runs.getRun('prod-2'))?.appliedWeight === step,
        30_000,
      );
    }
    const ack = JSON.parse(
      (await bot.requester.slashCommand({ text: 'rollback prod-2', userId: OTHER_APPROVER })).body,
    );
    expect(ack.text).toMatch(/rollback approval requested/);
    const gate = await pendingGate('prod-2', 'rollback');
    expect(JSON.stringify(bot.slack.message(CHANNEL, gate.messageTs ?? '')?.blocks)).toContain('<@U0APP>');
    await click(gate, REQUESTER); // any approver may approve a rollback, the requester too
    const run = await phase('prod-2', 'rolled_back');
    expect(run.appliedWeight).toBe(0);
    expect(pair.router.weights).toEqual({ x: 100, y: 0 });
    // The card is repainted after the state is committed, and card updates are coalesced to 1/s.
    await eventually(() =>
      JSON.stringify(bot.slack.message(CHANNEL, run.cardTs ?? '')?.updates.at(-1)?.blocks).includes(
        'Rolled back',
      ),
    );
    expect(
      bot.slack
        .thread(CHANNEL, run.threadTs ?? '')
        .map((m) => m.text)
        .join('\n'),
    ).toMatch(/Rolled back: X 100 % \/ Y 0 %/);
  }, 90_000);

  it('a config change on X during the run blocks the next increase and names the changed route', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    await click(await pendingGate('prod-3', 'shift', 5), APPROVER);
    await phase('prod-3', 'observing');
    const route = pair.seed.fixtures.keyAuthProtected[0]?.route ?? '';
    const res = await fetch(`${pair.x.adminUrl}/routes/${route}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ strip_path: false }),
    });
    expect(res.status).toBe(200);
    const thread = await eventually(async () => {
      const run = await bot.composition.store.runs.getRun('prod-3');
      const text = bot.slack
        .thread(CHANNEL, run?.threadTs ?? '')
        .map((m) => m.text)
        .join('\n');
      return text.includes('changed during the write freeze') && text;
    }, 30_000);
    expect(thread).toContain(`routes ${route}: changed`);
    expect(await bot.composition.store.gates.pendingGates('prod-3')).toEqual([]);
    // Asking for the increase by hand is refused too, with the reason; nothing is asked, nothing moves.
    const asked = JSON.parse(
      (await bot.requester.slashCommand({ text: 'shift prod-3 50', userId: REQUESTER, channelId: CHANNEL }))
        .body,
    );
    expect(String(asked.text)).toContain('changed during the write freeze');
    expect(await bot.composition.store.gates.pendingGates('prod-3')).toEqual([]);
    const run = await bot.composition.store.runs.getRun('prod-3');
    expect(run?.appliedWeight).toBe(5);
    expect(pair.router.weights).toEqual({ x: 95, y: 5 });
    // Rolling back stays possible (and leaves the router at X for the next run).
    await bot.requester.slashCommand({ text: 'rollback prod-3', userId: REQUESTER, channelId: CHANNEL });
    await click(await pendingGate('prod-3', 'rollback'), APPROVER);
    await phase('prod-3', 'rolled_back');
    expect(pair.router.weights).toEqual({ x: 100, y: 0 });
  }, 90_000);

  it('an expired gate cannot be approved afterwards, and its message says it expired', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    const gate = await pendingGate('prod-4', 'shift', 5);
    await bot.composition.db.query(
      "UPDATE gates SET expires_at = now() - interval '1 second' WHERE id = $1",
      [gate.id],
    );
    const before = routerPosts().length;
    await click(gate, APPROVER);
    const refusal = await eventually(() =>
      bot.slack.responses().find((r) => String(r.body.text).includes('expired')),
    );
    expect(refusal.body.response_type).toBe('ephemeral');
    expect(routerPosts()).toHaveLength(before);
    expect((await bot.composition.store.runs.getRun('prod-4'))?.phase).toBe('awaiting_gate');
  });
});
