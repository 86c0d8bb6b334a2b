import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateKind } from '../../src/domain/gate.js';
import { postGateMessage } from '../../src/engine/post-gate-message.js';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { eventually } from '../support/eventually.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

/**
 * A gate's message as Slack shows it: who can approve it (every gate), broadcast for a rollback, a
 * chart with alt text, and an honest line when the chart cannot be attached (bot not in the channel).
 */
const CHANNEL = 'C0GATEMSG1';

describe('gate messages', () => {
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startTestBot({
      config: {
        ...minimalConfigObject(),
        slack: { channel: CHANNEL },
        approvals: { approvers: ['U0AAA', 'U0BBB'], approverGroups: ['S0OPS'] },
      },
    });
    bot.slack.setUsergroup('S0OPS', ['U0CCC']);
  }, 60_000);

  afterAll(async () => {
    await bot?.close();
  });

  async function gateOf(kind: GateKind) {
    const { store, deps } = bot.composition;
    const created = await store.runs.createRun(
      { environment: 'prod', requestedBy: 'U0REQ', channel: CHANNEL, planSteps: [50, 100], dryRun: true },
      { actor: 'U0REQ', kind: 'command.start', phase: 'preflight', details: {} },
    );
    if (!created.ok) throw new Error('run not created');
    const runId = created.run.id;
    await store.runs.recordCardOnce(runId, (run) =>
      deps.notifier.post({ channel: run.channel, text: 'card' }),
    );
    const start = new Date(Date.now() - 120_000);
    for (const cluster of ['x', 'y'] as const)
      await store.samples.insertSample({
        runId,
        cluster,
        windowStart: start,
        windowEnd: new Date(start.getTime() + 60_000),
        requests: 1000,
        errors5xx: cluster === 'y' ? 80 : 1,
        errors4xx: 0,
        p50: 20,
        p95: 80,
        p99: 120,
        rate: 16,
        verdict: 'fail',
      });
    const { gate } = await store.gates.createGate(
      {
        runId,
        kind,
        targetWeight: kind === 'rollback' ? 0 : 50,
        requestedBy: null,
        expiresAt: new Date(Date.now() + 600_000),
        comparison: null,
      },
      { actor: 'bot', kind: 'gate.requested', phase: 'preflight', details: {} },
    );
    const run = await store.runs.getRun(runId);
    if (!run?.threadTs) throw new Error('no thread');
    return { gate, run };
  }

  it.each(['shift', 'complete', 'rollback'] as const)(
    'a %s gate mentions who can approve it',
    async (kind) => {
      const { gate, run } = await gateOf(kind);
      expect(await postGateMessage(gate, { reason: 'Approval needed' }, bot.composition.deps)).toBe(true);
      const message = bot.slack.thread(CHANNEL, run.threadTs ?? '').find((m) => (m.blocks ?? []).length > 0);
      const shown = JSON.stringify(message?.blocks);
      for (const who of ['<@U0AAA>', '<@U0BBB>', '<!subteam^S0OPS>']) expect(shown).toContain(who);
      // Only a rollback gate is shown in the channel too.
      expect(message?.broadcast === true).toBe(kind === 'rollback');
      if (kind === 'rollback') expect(shown).toMatch(/"confirm":\{[^}]*.*"style":"danger"/);
    },
  );

  it('the chart is in the gate message itself (an unshared upload), with alt text; it stays when the gate closes', async () => {
    const { gate, run } = await gateOf('shift');
    await postGateMessage(gate, { reason: 'Approval needed' }, bot.composition.deps);
    const posted = await eventually(
      async () => (await bot.composition.store.gates.getGate(gate.id))?.messageTs,
    );
    // The chart follows the gate message without holding its caller: the message is updated with it.
    const image = await eventually(() => {
      const blocks = (bot.slack.message(CHANNEL, posted)?.blocks ?? []) as {
        type: string;
        slack_file?: { id: string };
        alt_text?: string;
      }[];
      return blocks.find((b) => b.type === 'image') ?? null;
    });
    const file = bot.slack.files().find((f) => f.id === image.slack_file?.id);
    expect(file?.completed).toBe(true);
    expect(file?.channel).toBeNull(); // uploaded unshared: no channel membership needed
    expect(image.alt_text).toMatch(/Chart of .*5xx ratio and p95 latency of cluster X and cluster Y/);
    // The buttons are still there while the gate is pending.
    expect(JSON.stringify(bot.slack.message(CHANNEL, posted)?.blocks)).toContain('gate.approve');
    expect(bot.slack.thread(CHANNEL, run.threadTs ?? '').some((m) => (m.fileIds ?? []).length > 0)).toBe(
      false,
    );

    // Closed (here: superseded), the message keeps the chart and loses the buttons.
    const [closed] = await bot.composition.store.gates.closePendingGates(run.id, 'the test ended it');
    if (!closed) throw new Error('no gate closed');
    const { closeGateMessage } = await import('../../src/slack/close-gate-message.js');
    const { gateExtras } = await import('../../src/engine/post-gate-message.js');
    await closeGateMessage(
      bot.composition.deps.notifier,
      closed,
      run,
      'the test ended it',
      await gateExtras(closed, bot.composition.deps),
    );
    await eventually(() => {
      const json = JSON.stringify(bot.slack.message(CHANNEL, posted)?.blocks);
      return !json.includes('gate.approve') && json.includes(image.slack_file?.id ?? '?');
    });
  });
});
