import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/domain/domain-event.js';
import type { Gate } from '../../src/domain/gate.js';
import { judgeGateClick } from '../../src/domain/judge-gate-click.js';
import { reconcile } from '../../src/engine/reconcile.js';
import { eventually } from '../support/eventually.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0CRASHAP1';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';

/**
 * Issue 8, item 1, the bot's side: a process dies right after a commit, before what should follow it.
 * - A click: the approval is committed (gate approved, audit event written) but the run never moved and
 *   the step's job was never enqueued. The reconciler finds the approval newer than the run's phase and
 *   carries it out once; a click still being handled (younger than the grace period) is left alone.
 * - A decision's Slack messages: a gate without its message could never be approved or rejected, a
 *   thread line would be missing for good. The reconciler posts what was lost, once, and leaves alone
 *   what is being posted right now.
 */
describe('the bot dies right after a commit', () => {
  let pair: KongPair;
  let bot: TestBot;

  beforeAll(async () => {
    pair = await startKongPair({ seedY: true, xVersion: '3.4.2' });
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
        environments: {
          prod: pair.environment({ plan: { steps: [5, 100], observeSeconds: 3600 } }),
          stage: pair.environment({ plan: { steps: [5, 100], observeSeconds: 3600 } }),
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
  const reconcileNow = () => reconcile(bot.composition.deps, bot.composition.engine);
  /** A decision of stage-1 committed and its Slack side carried out, as by a live process. */
  async function decideAndPost(event: DomainEvent) {
    const applied = await bot.composition.engine.apply('stage-1', event);
    if (!applied.ok) throw new Error(applied.reason);
    await applied.deferred();
  }
  /** A decision of stage-1 committed by a process that dies before its Slack side. */
  async function decideAndDie(event: DomainEvent) {
    const applied = await bot.composition.engine.apply('stage-1', event);
    if (!applied.ok) throw new Error(applied.reason);
  }
  /** Thread messages carrying buttons for this gate. */
  const gateMessages = (threadTs: string, gateId: string) =>
    bot.slack.thread(CHANNEL, threadTs).filter((m) => JSON.stringify(m.blocks ?? []).includes(gateId));

  /** What handleGateClick commits before it moves the run, and nothing after. */
  async function approveOnly(gate: Gate) {
    const now = new Date();
    return store().gates.decideGate({
      gateId: gate.id,
      userId: APPROVER,
      now,
      judge: (g, run, ctx) =>
        judgeGateClick(
          g,
          run,
          {
            userId: APPROVER,
            action: 'approve',
            now,
            userIsApprover: true,
            fourEyes: true,
            // As given in the reason modal: the reconciler carries it into the thread line too.
            reason: { text: 'agreed with the on-call', ticket: 'CHG-7' },
          },
          { approvals: ctx.approvals, rollbackPending: ctx.rollbackPending, observeSeconds: 0 },
        ),
    });
  }

  it('a fresh approval is left to the click still handling it; an older one is carried out once', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    const gate = await eventually(async () => {
      const g = (await store().gates.pendingGates('prod-1'))[0];
      return g?.messageTs ? g : null;
    }, 30_000);
    expect((await approveOnly(gate)).outcome).toBe('approved');

    await reconcileNow();
    expect((await store().runs.getRun('prod-1'))?.phase).toBe('awaiting_gate');
    // Preflight reads the router (a run starts only from 100 % on X); nothing was written to it.
    expect(pair.router.requests.filter((r) => r.method !== 'GET')).toEqual([]);

    // Time passes (the click's process is gone): the approval is older than the grace period.
    await bot.composition.db.query(
      "UPDATE gates SET decided_at = now() - interval '20 seconds' WHERE id = $1",
      [gate.id],
    );
    await bot.composition.db.query(
      "UPDATE runs SET phase_started_at = now() - interval '1 minute' WHERE id = 'prod-1'",
    );
    await reconcileNow();
    const run = await eventually(async () => {
      const r = await store().runs.getRun('prod-1');
      return r?.phase === 'observing' && r;
    }, 30_000);
    expect(run.appliedWeight).toBe(5);
    await reconcileNow();
    await reconcileNow();

    const posts = pair.router.posts();
    expect(posts).toEqual([{ x: 95, y: 5 }]);
    const events = await store().events.listEvents('prod-1');
    expect(events.filter((e) => e.kind === 'gate.approved')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'traffic.weight_applied')).toHaveLength(1);
    // The gate message lost its buttons, as after a normal click.
    const message = bot.slack.message(CHANNEL, gate.messageTs ?? '');
    await eventually(
      () => !JSON.stringify(message?.updates.at(-1)?.blocks ?? 'gate.approve').includes('gate.approve'),
    );
    const thread = bot.slack.thread(CHANNEL, run.threadTs ?? '').map((m) => m.text);
    expect(thread.filter((t) => t.includes('approved "Shift 5 %'))).toHaveLength(1);
    expect(thread.find((t) => t.includes('approved "Shift 5 %'))).toContain(
      'Reason: "agreed with the on-call" (ticket CHG-7)',
    );
  }, 60_000);

  it('a gate whose message was lost is posted once, with its reason and buttons; a fresh one is left alone', async () => {
    // stage shares prod's router, which prod-1 left at 5 %: a run starts only from 100 % on X.
    pair.router.weights = { x: 100, y: 0 };
    await bot.requester.slashCommand({ text: 'start stage', userId: REQUESTER, channelId: CHANNEL });
    await eventually(async () => (await store().gates.pendingGates('stage-1'))[0]?.messageTs, 30_000);
    const run = await store().runs.getRun('stage-1');
    const threadTs = run?.threadTs ?? '';

    // What the crashed step committed: the gate and its audit event, and nothing in Slack.
    const { gate } = await store().gates.createGate(
      {
        runId: 'stage-1',
        kind: 'rollback',
        targetWeight: 0,
        requestedBy: null,
        expiresAt: new Date(Date.now() + 3_600_000),
        comparison: ['*Latest comparison*: Y 5xx 4.1 % vs X 0.2 %'],
      },
      {
        actor: 'bot',
        kind: 'gate.requested',
        phase: 'awaiting_gate',
        details: { gateKind: 'rollback', targetWeight: 0, reason: 'Y is failing the comparison (5xx).' },
      },
    );

    await reconcileNow();
    expect(gateMessages(threadTs, gate.id)).toEqual([]);
    expect((await store().gates.getGate(gate.id))?.messageTs).toBeNull();

    // Time passes: the step that would have posted it is gone.
    await bot.composition.db.query(
      "UPDATE gates SET requested_at = now() - interval '20 seconds' WHERE id = $1",
      [gate.id],
    );
    await Promise.all([reconcileNow(), reconcileNow()]);
    await reconcileNow();

    const posted = gateMessages(threadTs, gate.id);
    expect(posted).toHaveLength(1);
    const blocks = JSON.stringify(posted[0]?.blocks);
    expect(blocks).toContain('gate.approve');
    expect(blocks).toContain('Y is failing the comparison (5xx).');
    expect(blocks).toContain('Y 5xx 4.1 % vs X 0.2 %');
    expect(blocks).toContain(`<@${APPROVER}>`);
    expect((await store().gates.getGate(gate.id))?.messageTs).toBe(posted[0]?.ts);
  }, 90_000);

  it('a thread line committed with its decision is posted by the reconciler once, in order', async () => {
    const run = await store().runs.getRun('stage-1');
    const threadTs = run?.threadTs ?? '';
    const pausedLines = () =>
      bot.slack.thread(CHANNEL, threadTs).filter((m) => m.text.startsWith(':double_vertical_bar: Paused'));
    // The decision commits (run paused, its line in the outbox); the process dies before the post.
    const applied = await bot.composition.engine.apply('stage-1', {
      type: 'pause_requested',
      actor: REQUESTER,
    });
    expect(applied.ok).toBe(true);
    expect((await store().runs.getRun('stage-1'))?.paused).toBe(true);

    await reconcileNow();
    expect(pausedLines()).toEqual([]); // still the live poster's to send

    await bot.composition.db.query(
      "UPDATE thread_outbox SET created_at = now() - interval '1 minute' WHERE run_id = 'stage-1' AND sent_at IS NULL",
    );
    await Promise.all([reconcileNow(), reconcileNow()]);
    expect(pausedLines()).toHaveLength(1);
    expect(pausedLines()[0]?.text).toContain(`<@${REQUESTER}>`);

    // The dead process's own post step, had it survived, finds nothing left to send.
    if (applied.ok) await applied.deferred();
    await reconcileNow();
    expect(pausedLines()).toHaveLength(1);
  }, 60_000);

  it('the next decision of the run posts a line a dead process left behind at once, before its own', async () => {
    const run = await store().runs.getRun('stage-1');
    const threadTs = run?.threadTs ?? '';
    const posted = () => bot.slack.thread(CHANNEL, threadTs).map((m) => m.text);
    const before = posted().length;
    // The run (paused by the test before) is resumed, its line posted as usual.
    await decideAndPost({ type: 'resume_requested', actor: APPROVER });
    expect(posted().slice(before)).toEqual([`:arrow_forward: Resumed by <@${APPROVER}>.`]);
    // Paused, committed; the process dies before the post (its deferred step never runs).
    await decideAndDie({ type: 'pause_requested', actor: APPROVER });
    // Another process resumes the run: its post step sends the lost line and then its own, no reconciler.
    await decideAndPost({ type: 'resume_requested', actor: REQUESTER });
    const [lostLine, ownLine, ...more] = posted().slice(before + 1);
    expect(lostLine).toMatch(new RegExp(`^:double_vertical_bar: Paused.*<@${APPROVER}>`));
    expect(ownLine).toBe(`:arrow_forward: Resumed by <@${REQUESTER}>.`);
    expect(more).toEqual([]);
  }, 60_000);

  it('a line a dead process left behind is posted before the next decision’s gate message', async () => {
    const run = await store().runs.getRun('stage-1');
    const threadTs = run?.threadTs ?? '';
    const before = bot.slack.thread(CHANNEL, threadTs).length;
    // The rollback asked for earlier is closed, so that a new one is a new gate.
    await store().gates.closePendingGates('stage-1', 'cleared by the test');
    await decideAndDie({ type: 'pause_requested', actor: APPROVER });
    // Another process asks for a rollback: a decision with a gate and no thread line of its own.
    await decideAndPost({ type: 'rollback_requested', actor: REQUESTER });
    const gate = (await store().gates.pendingGates('stage-1')).find((g) => g.kind === 'rollback');
    if (!gate) throw new Error('expected a rollback gate');
    const added = bot.slack.thread(CHANNEL, threadTs).slice(before);
    const lost = added.findIndex((m) => /^:double_vertical_bar: Paused/.test(m.text));
    const asking = added.findIndex((m) => JSON.stringify(m.blocks ?? []).includes(gate.id));
    expect({ lost, asking, texts: added.map((m) => m.text) }).toMatchObject({ lost: 0, asking: 1 });
  }, 60_000);
});
