import { describe, expect, it } from 'vitest';
import type { Run } from '../../src/domain/run.js';
import type { RunEvent } from '../../src/domain/run-event.js';
import { validateBlocks } from '../../src/sandbox/slack-workspace/block-kit-checks.js';
import { closedGateBlocks, gateBlocks } from '../../src/slack/blocks/gate-blocks.js';
import { runCardBlocks } from '../../src/slack/blocks/run-card-blocks.js';
import type { CommandDeps, CommandReply } from '../../src/slack/commands/command-context.js';
import { listCommand, statusCommand } from '../../src/slack/commands/status-command.js';
import { fitBlocks, splitText } from '../../src/slack/fit-blocks.js';
import type { SlackBlock } from '../../src/slack/notifier.js';
import { buildGate, buildRun } from '../support/build-run.js';

/**
 * Every message and reply fits Block Kit's limits, checked by the one validator (the simulated
 * workspace's) for every builder with extreme inputs; trimming keeps the buttons and never cuts a
 * mention, a user group or a link in half.
 */
const NOW = new Date('2026-01-01T01:00:00Z');
const TEN_KB = `HTTP 502 body: ${'<html><body>upstream went away &amp; never came back</body></html>\n'.repeat(160)}`;
const LONG = 'x'.repeat(300);

const extremeRun = (over: Partial<Run> = {}): Run =>
  buildRun({
    id: `${LONG}-7`,
    environment: LONG,
    phase: 'failed',
    failedPhase: 'verify',
    failureReason: TEN_KB,
    fromVersion: LONG,
    toVersion: LONG,
    planSteps: Array.from({ length: 20 }, (_, i) => (i + 1) * 5),
    stepIndex: 7,
    appliedWeight: 40,
    ...over,
  });

function expectValid(blocks: SlackBlock[]): void {
  expect(validateBlocks(fitBlocks(blocks))).toBeNull();
}

function replyBlocks(reply: CommandReply): SlackBlock[] {
  expect(reply.ack.text.length).toBeLessThanOrEqual(4000);
  return reply.ack.blocks ?? [];
}

describe('every builder within Block Kit limits, extreme inputs', () => {
  it('run card: long names, 20-step plan, 10 KB failure reason', () => {
    expectValid(runCardBlocks(extremeRun(), NOW));
  });

  it('gate: 10 KB details, twenty lines of comparison, long mention list; the buttons survive', () => {
    const gate = buildGate({ kind: 'rollback', targetWeight: 0 });
    const mention = Array.from({ length: 200 }, (_, i) => `<@U0APPR${String(i).padStart(3, '0')}>`).join(' ');
    const blocks = gateBlocks(gate, extremeRun(), {
      reason: TEN_KB,
      details: [TEN_KB, ...Array.from({ length: 60 }, (_, i) => `route ${i}: ${LONG}`)],
      mention,
    });
    const fitted = fitBlocks(blocks);
    expect(validateBlocks(fitted)).toBeNull();
    expect(fitted.filter((b) => b.type === 'actions')).toHaveLength(1);
    expectValid(closedGateBlocks(gate, extremeRun(), TEN_KB, TEN_KB));
  });

  it('status: a 10 KB failure reason and long event kinds go through the limits', async () => {
    const events: RunEvent[] = Array.from({ length: 5 }, (_, i) => ({
      id: i,
      runId: 'prod-7',
      at: NOW,
      actor: 'U0REQ',
      kind: `job.${LONG}.failed`,
      phase: 'verify',
      details: {},
    }));
    const deps = {
      store: { runs: { getRunWithRecentEvents: async () => ({ run: extremeRun(), events }) } },
      now: () => NOW,
      config: { environments: {} },
    } as unknown as CommandDeps;
    const reply = await statusCommand(
      { run: { id: 'prod-7', environment: 'prod', number: 7 } },
      { text: 'status', userId: 'U1', channelId: 'C1' },
      deps,
    );
    expect(validateBlocks(replyBlocks(reply))).toBeNull();
  });

  it('list: 100 runs, one section each, within limits', async () => {
    const runs = Array.from({ length: 100 }, (_, i) =>
      buildRun({ id: `prod-${i}`, number: i, environment: `${LONG}`, finishedAt: i % 2 ? NOW : null }),
    );
    const deps = { store: { runs: { listRuns: async () => runs } } } as unknown as CommandDeps;
    const blocks = replyBlocks(await listCommand(deps));
    expect(validateBlocks(blocks)).toBeNull();
    for (const b of blocks)
      if (b.type === 'section') expect(JSON.stringify(b)).not.toMatch(/prod-1\b.*prod-2\b/);
  });
});

describe('fitBlocks', () => {
  const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const actions: SlackBlock = {
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: 'gate.approve',
        text: { type: 'plain_text', text: 'Approve' },
        value: 'g',
      },
    ],
  };

  it('keeps the actions block (the buttons) when there are more than 50 blocks', () => {
    const fitted = fitBlocks([...Array.from({ length: 80 }, (_, i) => section(`line ${i}`)), actions]);
    expect(fitted).toHaveLength(50);
    expect(fitted.at(-1)).toEqual(actions);
    expect(JSON.stringify(fitted.at(-2))).toMatch(/more blocks, left out/);
    expect(validateBlocks(fitted)).toBeNull();
  });

  it('never cuts a mention, a user group or a link in half', () => {
    const tokens = [
      '<@U0ALICE01>',
      '<!subteam^S0APPROVERS>',
      '<https://example.com/runs/prod-7|the run card>',
    ];
    for (let pad = 2980; pad < 3000; pad++) {
      for (const token of tokens) {
        const text = `${'a'.repeat(pad)}${token} and more`;
        const pieces = splitText(text, 3000);
        expect(pieces.some((p) => p.includes(token))).toBe(true);
        for (const p of pieces) expect(p.length).toBeLessThanOrEqual(3000);
      }
    }
  });

  it('clips fields to 2,000 characters and splits more than 10 fields and 10 context elements', () => {
    const fields = Array.from({ length: 14 }, (_, i) => ({
      type: 'mrkdwn',
      text: `${i} <@U0BOB0001> ${'f'.repeat(2500)}`,
    }));
    const elements = Array.from({ length: 13 }, (_, i) => ({
      type: 'mrkdwn',
      text: `${i} ${'c'.repeat(3500)}`,
    }));
    const fitted = fitBlocks([
      { type: 'section', fields },
      { type: 'context', elements },
    ]);
    expect(validateBlocks(fitted)).toBeNull();
    expect(fitted).toHaveLength(4);
    // Unfitted, the validator refuses them: the checks are real.
    expect(
      validateBlocks([
        { type: 'section', fields },
        { type: 'context', elements },
      ]),
    ).not.toBeNull();
  });
});
