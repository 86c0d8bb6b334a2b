import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
 * Issue 8, item 1, the bot's side: the process handling a click dies after the approval is
 * committed (gate approved, audit event written) but before the run moved and the step's job was
 * enqueued. The reconciler finds the approval newer than the run's phase and carries it out once;
 * a click still being handled (younger than the grace period) is left alone.
 */
describe('the bot dies between recording an approval and moving the run', () => {
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

  /** What handleGateClick commits before it moves the run, and nothing after. */
  async function approveOnly(gate: Gate) {
    const now = new Date();
    return store().gates.decideGate({
      gateId: gate.id,
      userId: APPROVER,
      now,
      judge: (g, run) =>
        judgeGateClick(g, run, {
          userId: APPROVER,
          action: 'approve',
          now,
          userIsApprover: true,
          fourEyes: true,
        }),
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
    expect(pair.router.requests).toEqual([]);

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

    const posts = pair.router.requests.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body));
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
  }, 60_000);
});
