import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/engine/reconcile.js';
import { eventually } from '../support/eventually.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0CRASHGM1';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';

/**
 * Issue 8, item 1: a process dies after a decision is committed but before its Slack messages are
 * posted. A gate without its message could never be approved or rejected; a thread line would be
 * missing for good. The reconciler posts what was lost, once, and leaves alone what is being posted
 * right now.
 */
describe('Slack messages a crash lost', () => {
  let pair: KongPair;
  let bot: TestBot;

  beforeAll(async () => {
    pair = await startKongPair({ seedY: true, xVersion: '3.4.2' });
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
        environments: { prod: pair.environment({ plan: { steps: [5, 100], observeSeconds: 3600 } }) },
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
  /** Thread messages carrying buttons for this gate. */
  const gateMessages = (threadTs: string, gateId: string) =>
    bot.slack.thread(CHANNEL, threadTs).filter((m) => JSON.stringify(m.blocks ?? []).includes(gateId));

  it('is posted by the reconciler once, with its reason and buttons; a fresh one is left alone', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    await eventually(async () => (await store().gates.pendingGates('prod-1'))[0]?.messageTs, 30_000);
    const run = await store().runs.getRun('prod-1');
    const threadTs = run?.threadTs ?? '';

    // What the crashed step committed: the gate and its audit event, and nothing in Slack.
    const { gate } = await store().gates.createGate(
      {
        runId: 'prod-1',
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
    const run = await store().runs.getRun('prod-1');
    const threadTs = run?.threadTs ?? '';
    const pausedLines = () =>
      bot.slack.thread(CHANNEL, threadTs).filter((m) => m.text.startsWith(':double_vertical_bar: Paused'));
    // The decision commits (run paused, its line in the outbox); the process dies before the post.
    const applied = await bot.composition.engine.apply('prod-1', {
      type: 'pause_requested',
      actor: REQUESTER,
    });
    expect(applied.ok).toBe(true);
    expect((await store().runs.getRun('prod-1'))?.paused).toBe(true);

    await reconcileNow();
    expect(pausedLines()).toEqual([]); // still the live poster's to send

    await bot.composition.db.query(
      "UPDATE thread_outbox SET created_at = now() - interval '1 minute' WHERE run_id = 'prod-1' AND sent_at IS NULL",
    );
    await Promise.all([reconcileNow(), reconcileNow()]);
    expect(pausedLines()).toHaveLength(1);
    expect(pausedLines()[0]?.text).toContain(`<@${REQUESTER}>`);

    // The dead process's own post step, had it survived, finds nothing left to send.
    if (applied.ok) await applied.deferred();
    await reconcileNow();
    expect(pausedLines()).toHaveLength(1);
  }, 60_000);
});
