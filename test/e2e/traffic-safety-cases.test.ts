import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import type { Run } from '../../src/domain/run.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startLoadLoop } from '../support/load-loop.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0SAFECASE';
const STARTER = 'U0START';
const APPROVER = 'U0APPR';
const OTHER = 'U0OTHR';

/**
 * The orders of events that broke the traffic promise (issue cases 2, 3, 4, 7, 9, 10, 11), played with
 * the real bot, workers, BullMQ, PostgreSQL, simulated Kong under load and a webhook load balancer:
 * an approver approving the increase they asked for, a manual increase while Y fails, completion after
 * a decrease, an off-plan weight, an abort while a write is in flight, a start on top of a live split,
 * a missing fingerprint. Every refusal is ephemeral, audited, and moves nothing.
 */
describe('traffic safety, case by case (whole bot)', () => {
  let pair: KongPair;
  let bot: TestBot;
  let load: { stop(): Promise<void> };
  let configObject: Record<string, unknown>;

  beforeAll(async () => {
    pair = await startKongPair({ seedY: true, xVersion: '3.4.2' });
    const open = pair.seed.fixtures.open?.path ?? '/';
    load = startLoadLoop([`${pair.x.proxyUrl}${open}`, `${pair.y.proxyUrl}${open}`], 60);
    configObject = {
      slack: { channel: CHANNEL },
      approvals: { approvers: [STARTER, APPROVER, OTHER], fourEyes: true },
      environments: {
        prod: pair.environment({
          metrics: {
            source: 'kong',
            intervalSeconds: 1,
            // Latency on a loaded 2-core machine is noisy; this file is about who moves traffic.
            thresholds: { minRequests: 20, maxP95LatencyRatio: 4, maxP99LatencyRatio: 6 },
          },
          plan: { steps: [5, 25, 50, 100], observeSeconds: 0 },
        }),
      },
    };
    bot = await startTestBot({
      config: configObject,
      workers: true,
      definitions: seededYDefinitions(),
      reconcileIntervalMs: 1000,
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await bot?.close();
    await pair?.close();
  });

  const store = () => bot.composition.store;
  const getRun = (runId: string) => store().runs.getRun(runId);
  const gate = (runId: string, kind: Gate['kind'], target?: number) =>
    postedGate(store().gates, runId, { kind, target }, 40_000);
  /** Clicks and answers what the clicker was told (the ephemeral reply, if any). */
  const click = async (g: Gate, userId: string, actionId = 'gate.approve'): Promise<string> => {
    const before = bot.slack.responses().length;
    const reply = await clickGate(bot.requester, g, { userId, actionId, channelId: CHANNEL });
    expect(reply.status).toBe(200);
    const said = await eventually(async () => {
      const r = bot.slack.responses().slice(before);
      return r.length > 0 ? r : null;
    }, 3_000).catch(() => []);
    for (const r of said) expect(r.body.response_type ?? 'ephemeral').toBe('ephemeral');
    return said.map((r) => String(r.body.text ?? '')).join('\n');
  };
  const command = async (userId: string, text: string): Promise<string> => {
    const reply = await bot.requester.slashCommand({ text, userId, channelId: CHANNEL });
    return String(JSON.parse(reply.body).text ?? '');
  };
  const runAt = async (runId: string, check: (r: Run) => boolean): Promise<Run> => {
    try {
      return await eventually(async () => {
        const r = await getRun(runId);
        return r && check(r) ? r : null;
      }, 40_000);
    } catch (err) {
      const events = await store().events.listEvents(runId);
      const recent = events.slice(-12).map((e) => `${e.kind} ${e.actor} ${JSON.stringify(e.details)}`);
      throw new Error(
        `${(err as Error).message}; ${runId}: ${JSON.stringify(await getRun(runId))}\n${recent.join('\n')}`,
      );
    }
  };
  const refusals = async (runId: string) =>
    (await store().events.listEvents(runId))
      .filter((e) => e.kind === 'gate.refused')
      .map((e) => `${e.actor} ${String(e.details.code)}`);
  const thread = async (runId: string) => {
    const r = await getRun(runId);
    return bot.slack
      .thread(CHANNEL, r?.threadTs ?? '')
      .map((m) => m.text)
      .join('\n');
  };
  /** The run holds this weight (observing it, or waiting for the next approval). */
  const holding = (weight: number) => (r: Run) =>
    r.appliedWeight === weight && (r.phase === 'observing' || r.phase === 'awaiting_gate');
  /** Starts a run from 100 % on X and approves its first step (5 %). */
  const startAt5 = async (): Promise<string> => {
    pair.router.weights = { x: 100, y: 0 };
    await command(STARTER, 'start prod');
    const [row] = await bot.composition.db.query('SELECT id FROM runs ORDER BY created_at DESC LIMIT 1');
    const runId = String(row?.id);
    expect(await click(await gate(runId, 'shift', 5), APPROVER)).not.toMatch(/refused|cannot|not /i);
    await runAt(runId, holding(5));
    return runId;
  };
  const rollBack = async (runId: string) => {
    pair.y.setFaults({ errorRatio: 0 });
    await command(OTHER, `rollback ${runId}`);
    await click(await gate(runId, 'rollback'), STARTER);
    await runAt(runId, (r) => r.phase === 'rolled_back');
    expect(pair.router.weights).toEqual({ x: 100, y: 0 });
  };

  it('case 2, 7, 9, 10: no self-approval, no increase without a fingerprint or while Y fails; a rollback gate supersedes the step; nothing stays open', async () => {
    const id = await startAt5();
    const posted = pair.router.posts().length;
    // An approver asks for 100 % and tries to approve it: refused, as is the starter.
    expect(await command(APPROVER, `shift ${id} 100`)).toMatch(/approval requested|requested/i);
    const manual = await gate(id, 'shift', 100);
    expect(manual.requestedBy).toBe(APPROVER);
    expect(await click(manual, APPROVER)).toMatch(/asked for|requested/i);
    expect(await click(manual, STARTER)).toMatch(/started|four-eyes/i);
    // Case 7: X's fingerprint is gone (unreadable): the increase fails closed and says why.
    const [row] = await bot.composition.db.query('SELECT x_fingerprint FROM runs WHERE id = $1', [id]);
    const fingerprint = row?.x_fingerprint;
    await bot.composition.db.query('UPDATE runs SET x_fingerprint = NULL WHERE id = $1', [id]);
    expect(await click(manual, OTHER)).toMatch(/fingerprint/i);
    await bot.composition.db.query('UPDATE runs SET x_fingerprint = $2 WHERE id = $1', [id, fingerprint]);
    expect(pair.router.posts().length).toBe(posted);
    expect((await store().gates.getGate(manual.id))?.status).toBe('pending');
    expect(await refusals(id)).toEqual([
      `${APPROVER} requester`,
      `${STARTER} four_eyes`,
      `${OTHER} preconditions`,
    ]);

    // Case 9: Y starts failing. A rollback gate is posted and supersedes the pending step; no increase
    // is offered, requested or approvable while it is open.
    pair.y.setFaults({ errorRatio: 0.3 });
    const rollback = await gate(id, 'rollback');
    await eventually(async () => (await store().gates.getGate(manual.id))?.status !== 'pending' || null);
    expect(await click(manual, OTHER)).toMatch(/no longer|superseded|already|not pending/i);
    expect(await command(OTHER, `shift ${id} 50`)).toMatch(/rollback/i);
    expect((await store().gates.pendingGates(id)).map((g) => g.kind)).toEqual(['rollback']);
    expect(pair.router.posts().length).toBe(posted);

    // Case 10: the rollback ends the run and nothing is left to click.
    expect(await click(rollback, APPROVER)).not.toMatch(/refused/i);
    await runAt(id, (r) => r.phase === 'rolled_back');
    pair.y.setFaults({ errorRatio: 0 });
    expect(pair.router.weights).toEqual({ x: 100, y: 0 });
    expect(await store().gates.pendingGates(id)).toEqual([]);
    // The decided rollback gate keeps saying on what grounds it was asked for.
    const closed = await eventually(() => {
      const blocks = JSON.stringify(bot.slack.message(CHANNEL, rollback.messageTs ?? '')?.blocks ?? null);
      return /Approved by/.test(blocks) && blocks;
    }, 10_000);
    expect(closed).toMatch(/Y is worse than X/);
    const gates = await store().gates.listGates(id);
    expect(gates.every((g) => g.status !== 'pending')).toBe(true);
  }, 180_000);

  it('case 3: after an off-plan weight the next step is the next plan step above it; completion only at a confirmed 100 %', async () => {
    const id = await startAt5();
    // Off plan: 5 → 60, asked by one approver, approved by another.
    await command(OTHER, `shift ${id} 60`);
    await click(await gate(id, 'shift', 60), APPROVER);
    await runAt(id, holding(60));
    const next = await gate(id, 'shift', 100);
    expect((await store().gates.pendingGates(id)).some((g) => g.targetWeight === 25)).toBe(false);
    await click(next, APPROVER);
    await runAt(id, holding(100));
    const complete = await gate(id, 'complete');
    // A decrease to 30 % (any approver may approve a decrease): the completion gate is withdrawn.
    await command(OTHER, `shift ${id} 30`);
    await click(await gate(id, 'shift', 30), APPROVER);
    await runAt(id, holding(30));
    expect(pair.router.weights).toEqual({ x: 70, y: 30 });
    await eventually(async () => (await store().gates.getGate(complete.id))?.status !== 'pending' || null);
    expect(await click(complete, OTHER)).toMatch(/no longer|superseded|already|not pending|100/i);
    // The next step offered is 50 (the last plan step at or below 30 % is 25), never completion.
    await gate(id, 'shift', 50);
    expect((await store().gates.pendingGates(id)).map((g) => g.kind)).not.toContain('complete');
    expect((await getRun(id))?.phase).not.toBe('completed');
    expect(pair.router.weights).toEqual({ x: 70, y: 30 });
    await rollBack(id);
  }, 180_000);

  it('case 4 and 11: an abort while a write is in flight reports the split it found; start is refused on top of it; rollback still works', async () => {
    const id = await startAt5();
    const next = await gate(id, 'shift', 25);
    // Long enough that a loaded CI machine still sees the write in flight, and within the router timeout (10 s).
    pair.router.slowNextPost(6_000);
    await click(next, APPROVER);
    await eventually(() => pair.router.posts().at(-1)?.y === 25 || null, 20_000);
    expect((await getRun(id))?.appliedWeight).toBe(5); // the write is in flight
    await command(STARTER, `abort ${id}`);
    const aborted = await runAt(id, (r) => r.phase === 'aborted');
    // The write lands; the abort reads the router back under its lock and records the live split.
    await eventually(() => pair.router.weights.y === 25 || null, 20_000);
    const found = await runAt(id, (r) => r.appliedWeight === 25);
    expect(found.phase).toBe('aborted');
    void aborted;
    const said = await eventually(async () => {
      const t = await thread(id);
      return /Y 25 %/.test(t) && t;
    }, 20_000);
    expect(said).not.toMatch(/config writes on X may resume/i);
    // The card keeps the freeze while Y serves traffic.
    const card = await eventually(() => {
      const blocks = JSON.stringify(bot.slack.message(CHANNEL, found.cardTs ?? '')?.blocks ?? null);
      return /Still frozen: Y serves traffic/.test(blocks) && blocks;
    }, 20_000);
    expect(card).not.toMatch(/may resume/);
    const runsBefore = (await bot.composition.db.query('SELECT count(*)::int AS n FROM runs'))[0]?.n;
    // Case 11: a new start on top of the live split is refused and says what the router has.
    expect(await command(STARTER, 'start prod')).toMatch(
      new RegExp(`\\*${id}\\*.*Y still at 25 %.*rollback ${id}`, 's'),
    );
    expect((await bot.composition.db.query('SELECT count(*)::int AS n FROM runs'))[0]?.n).toBe(runsBefore);
    // The aborted run can still be rolled back through the bot: here with the card's Roll back button,
    // which asks for the rollback as the command does (a non-approver is refused the same way).
    const cardTs = (await getRun(id))?.cardTs ?? '';
    const cardButton = (userId: string) =>
      bot.requester.clickButton({
        userId,
        actionId: 'card.rollback',
        value: id,
        messageTs: cardTs,
        channelId: CHANNEL,
      });
    const before = bot.slack.responses().length;
    await cardButton('U0STRANGER');
    const refused = await eventually(() => {
      const r = bot.slack.responses().slice(before);
      return r.length > 0 && r.map((x) => String(x.body.text ?? '')).join('\n');
    }, 5_000);
    expect(refused).toMatch(/or an approver may roll back it\. Nothing changed/);
    expect((await store().gates.pendingGates(id)).map((g) => g.kind)).not.toContain('rollback');
    await cardButton(OTHER);
    await click(await gate(id, 'rollback'), STARTER);
    await runAt(id, (r) => r.phase === 'rolled_back');
    expect(pair.router.weights).toEqual({ x: 100, y: 0 });
    expect((await getRun(id))?.appliedWeight).toBe(0);
  }, 180_000);

  it('case 6: an approval clicked on a process whose clock runs 5 s ahead of the worker is carried out once, never taken for lost', async () => {
    const id = await startAt5();
    // A second bot process on the same database, Slack and queue takes the clicks; its clock is 5 s
    // ahead of the worker's. Every compared timestamp comes from PostgreSQL, so the skew changes nothing.
    const clicker = await startTestBot({
      config: configObject,
      database: bot.database,
      slack: bot.slack,
      queuePrefix: bot.queuePrefix,
      processClock: () => new Date(Date.now() + 5_000),
    });
    try {
      const next = await gate(id, 'shift', 25);
      const posted = pair.router.posts().length;
      await clickGate(clicker.requester, next, { userId: APPROVER, channelId: CHANNEL });
      await runAt(id, holding(25));
      // Longer than the reconciler's grace for lost approvals (10 s) plus the skew.
      await new Promise((r) => setTimeout(r, 17_000));
      const run = await getRun(id);
      expect(run?.appliedWeight).toBe(25);
      expect(run?.phase === 'observing' || run?.phase === 'awaiting_gate').toBe(true);
      expect(
        pair.router
          .posts()
          .slice(posted)
          .map((w) => w.y),
      ).toEqual([25]);
      const events = await store().events.listEvents(id);
      expect(events.filter((e) => e.kind === 'traffic.weight_applied').map((e) => e.details.weight)).toEqual([
        5, 25,
      ]);
      expect(bot.logs.join('').includes('an approval was recorded but not carried out')).toBe(false);
    } finally {
      await clicker.stop();
    }
    await rollBack(id);
  }, 120_000);
});
