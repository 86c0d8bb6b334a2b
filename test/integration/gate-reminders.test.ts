import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshGateMessage } from '../../src/engine/post-gate-message.js';
import { reconcile } from '../../src/engine/reconcile.js';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0REMIND01';

/** The approvers are mentioned again `reminderMinutes` before a gate expires, once. */
describe('gate messages over time: reminders and refreshes', () => {
  let bot: TestBot;

  beforeAll(async () => {
    const config = minimalConfigObject();
    config.slack = { channel: CHANNEL };
    config.approvals = { approvers: ['U0AAA'], approverGroups: ['S0APP'], reminderMinutes: 15 };
    bot = await startTestBot({ config });
  });

  afterAll(async () => {
    await bot?.close();
  });

  async function runWithGate(expiresInMinutes: number) {
    const { runs, gates } = bot.composition.store;
    const created = await runs.createRun(
      { environment: 'prod', requestedBy: 'U0REQ', channel: CHANNEL, planSteps: [5, 100], dryRun: false },
      { actor: 'U0REQ', kind: 'command.start', phase: null, details: {} },
    );
    if (!created.ok) throw new Error('run not created');
    const run = await runs.updateRun(created.run.id, created.run.version, { phase: 'awaiting_gate' }, []);
    await runs.recordCardOnce(run.id, async () => ({ ts: '1700000000.000100' }));
    const now = await runs.time();
    const { gate } = await gates.createGate(
      {
        runId: run.id,
        kind: 'shift',
        targetWeight: 5,
        requestedBy: null,
        expiresAt: new Date(now.getTime() + expiresInMinutes * 60_000),
        comparison: null,
      },
      { actor: 'bot', kind: 'gate.requested', phase: 'awaiting_gate', details: { reason: 'test' } },
    );
    await gates.recordGateMessageOnce(gate.id, async () => ({ ts: '1700000000.000200' }));
    return { run, gate };
  }

  const reminders = () =>
    bot.slack.calls('chat.postMessage').filter((c) => /:alarm_clock:/.test(String(c.params.text ?? '')));

  it('mentions the approvers once, with the expiry as a Slack date, only when the gate is close to expiry', async () => {
    const { run, gate } = await runWithGate(60);
    await reconcile(bot.composition.deps, bot.composition.engine);
    expect(reminders()).toEqual([]);
    await bot.composition.db.query(
      "UPDATE gates SET expires_at = now() + interval '10 minutes', requested_at = now() - interval '50 minutes' WHERE id = $1",
      [gate.id],
    );
    await reconcile(bot.composition.deps, bot.composition.engine);
    await reconcile(bot.composition.deps, bot.composition.engine);
    const sent = reminders();
    expect(sent).toHaveLength(1);
    const text = JSON.stringify(sent[0]);
    expect(text).toContain('<@U0AAA>');
    expect(text).toContain('<!subteam^S0APP>');
    expect(text).toMatch(/<!date\^\d+\^/);
    const events = await bot.composition.store.events.listEvents(run.id);
    expect(events.filter((e) => e.kind === 'gate.reminded').map((e) => e.details.gateId)).toEqual([gate.id]);
  });

  it('a refresh of the gate message built before the gate was decided sends nothing (the closed form stays)', async () => {
    // One active run per environment: the earlier test's run has ended.
    await bot.composition.db.query("UPDATE runs SET phase = 'aborted', finished_at = now()");
    const { run, gate: created } = await runWithGate(60);
    const { gates } = bot.composition.store;
    const gate = (await gates.getGate(created.id)) ?? created; // with its message ts
    // The message itself is not in this Slack: the call is what counts, not its answer.
    const refresh = () => refreshGateMessage(gate, run, bot.composition.deps).catch(() => undefined);
    const updates = () => bot.slack.calls('chat.update').filter((c) => c.params.ts === gate.messageTs).length;
    // Still pending: the refresh is sent.
    await refresh();
    await bot.slack.waitFor(() => updates() === 1);
    await gates.decideGate({
      gateId: gate.id,
      userId: 'U0AAA',
      judge: (_g, r) => ({
        outcome: 'rejected',
        event: { actor: 'U0AAA', phase: r.phase, kind: 'gate.rejected', details: {} },
      }),
    });
    // The refresh a first approval queued, with the gate as it was then: nothing more is sent.
    await refresh();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(updates()).toBe(1);
  });
});
