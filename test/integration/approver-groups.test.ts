import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { eventually } from '../support/eventually.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { clickGate } from '../support/gate-helpers.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

/**
 * Approver-group membership comes from memory, refreshed in the background: a click is acked at once
 * even while usergroups.users.list hangs, and an unknown membership is refused honestly.
 */
const CHANNEL = 'C0GROUPS01';
const GROUP = 'S0APPROVE';
const MEMBER = 'U0GROUPIE';

describe('approver groups without waiting on Slack', () => {
  let slack: FakeSlack;
  let bot: TestBot;

  beforeAll(async () => {
    slack = await startFakeSlack({ usergroups: { [GROUP]: [MEMBER] } });
    // Slack answers the group lookup only after 5 s: longer than the 3-second ack.
    slack.failAlways('usergroups.users.list', { delayMs: 5000 });
    bot = await startTestBot({
      slack,
      config: {
        ...minimalConfigObject(),
        slack: { channel: CHANNEL },
        approvals: { approvers: ['U0AAA'], approverGroups: [GROUP] },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await bot?.close();
    await slack?.close();
  });

  async function pendingGate(): Promise<Gate> {
    const { store } = bot.composition;
    const created = await store.runs.createRun(
      { environment: 'prod', requestedBy: 'U0REQ', channel: CHANNEL, planSteps: [100], dryRun: true },
      { actor: 'U0REQ', kind: 'command.start', phase: 'preflight', details: {} },
    );
    if (!created.ok) throw new Error('run not created');
    const { gate } = await store.gates.createGate(
      {
        runId: created.run.id,
        kind: 'rollback',
        targetWeight: 0,
        requestedBy: null,
        expiresAt: new Date(Date.now() + 600_000),
        comparison: null,
      },
      { actor: 'bot', kind: 'gate.requested', phase: 'preflight', details: {} },
    );
    const posted = await store.gates.recordGateMessageOnce(gate.id, async () => ({
      ts: '1700000000.000100',
    }));
    if (!posted) throw new Error('gate message not recorded');
    return posted.gate;
  }

  it('acks a click at once while the lookup hangs, and says membership could not be checked', async () => {
    const gate = await pendingGate();
    const started = Date.now();
    const reply = await clickGate(bot.requester, gate, { userId: MEMBER, channelId: CHANNEL });
    expect(reply.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    const answer = await eventually(() => slack.responses(reply.responseUrl.split('/').at(-1)).at(0), 5000);
    expect(String(answer.body.text)).toMatch(/could not be checked/);
    expect(String(answer.body.text)).not.toMatch(/not an approver/);
    expect((await bot.composition.store.gates.getGate(gate.id))?.status).toBe('pending');
    const events = await bot.composition.store.events.listEvents(gate.runId);
    expect(events.find((e) => e.kind === 'gate.refused')?.details.code).toBe('membership_unknown');
  }, 20_000);

  it('once the group is read in the background, its member may approve; others are told plainly', async () => {
    slack.failAlways('usergroups.users.list', null);
    await bot.composition.approvers.refresh();
    const gate = await pendingGate();
    const outsider = await clickGate(bot.requester, gate, { userId: 'U0NOBODY', channelId: CHANNEL });
    const refused = await eventually(
      () => slack.responses(outsider.responseUrl.split('/').at(-1)).at(0),
      5000,
    );
    expect(String(refused.body.text)).toMatch(/not an approver/);
    const member = await clickGate(bot.requester, gate, { userId: MEMBER, channelId: CHANNEL });
    expect(member.status).toBe(200);
    await eventually(
      async () => (await bot.composition.store.gates.getGate(gate.id))?.status === 'approved',
      5000,
    );
  }, 20_000);
});
