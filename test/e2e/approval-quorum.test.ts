import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import { eventually } from '../support/eventually.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0QUORUM01';
const REQUESTER = 'U0REQ';
const ALICE = 'U0ALICE';
const CAROL = 'U0CAROL';
const SRE = 'U0SRE';

/** Two distinct approvers per increase, one of them from the SRE user group. */
describe('approval quorum and required groups', () => {
  let pair: KongPair;
  let bot: TestBot;

  beforeAll(async () => {
    pair = await startKongPair({ seedY: true, xVersion: '3.4.2' });
    const env = pair.environment({ plan: { steps: [5, 100], observeSeconds: 3600 } });
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: {
          approvers: [REQUESTER, ALICE, CAROL, SRE],
          fourEyes: true,
          minApprovals: 2,
          requiredGroups: ['S0SRE'],
        },
        environments: { prod: env, stage: env },
      },
      workers: true,
      definitions: seededYDefinitions(),
    });
    bot.slack.setUsergroup('S0SRE', [SRE]);
  }, 120_000);

  afterAll(async () => {
    await bot?.close();
    await pair?.close();
  });

  const store = () => bot.composition.store;
  const click = (gate: Gate, userId: string) =>
    clickGate(bot.requester, gate, { userId, channelId: CHANNEL });
  const shown = (gate: Gate) =>
    JSON.stringify(bot.slack.message(CHANNEL, gate.messageTs ?? '')?.updates.at(-1)?.blocks ?? []);
  const weight = async (runId: string) => (await store().runs.getRun(runId))?.appliedWeight ?? 0;

  it('one approval moves nothing and the gate shows it; the same person again changes nothing; a second distinct approver moves traffic', async () => {
    await bot.requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    const gate = await postedGate(store().gates, 'prod-1', { kind: 'shift', target: 5 }, 60_000);
    expect(JSON.stringify(bot.slack.message(CHANNEL, gate.messageTs ?? '')?.blocks)).toContain(
      'Approvals: 0 of 2',
    );
    await click(gate, ALICE);
    await eventually(() => shown(gate).includes('Approvals: 1 of 2 (<@U0ALICE>)'));
    expect(shown(gate)).toContain('gate.approve');
    expect((await store().gates.getGate(gate.id))?.status).toBe('pending');
    await click(gate, ALICE);
    await eventually(async () =>
      (await store().events.listEvents('prod-1')).some(
        (e) => e.kind === 'gate.refused' && e.details.code === 'already_approved',
      ),
    );
    expect(await store().gates.approvalsOf(gate.id)).toEqual([ALICE]);
    expect(await weight('prod-1')).toBe(0);
    await click(gate, SRE);
    await eventually(async () => (await weight('prod-1')) === 5, 30_000);
    const events = await store().events.listEvents('prod-1');
    expect(events.filter((e) => e.kind === 'gate.approval_recorded').map((e) => e.actor)).toEqual([ALICE]);
    expect(events.filter((e) => e.kind === 'gate.approved').map((e) => e.actor)).toEqual([SRE]);
    expect(pair.router.posts()).toEqual([{ x: 95, y: 5 }]);
    // A rollback needs one approver; it frees the shared router for the next test.
    await bot.requester.slashCommand({ text: 'rollback prod-1', userId: REQUESTER, channelId: CHANNEL });
    await click(await postedGate(store().gates, 'prod-1', { kind: 'rollback' }), CAROL);
    await eventually(
      async () => !(await store().runs.listActiveRuns()).some((r) => r.id === 'prod-1'),
      30_000,
    );
  }, 90_000);

  it('requiredGroups: two approvers outside the group are not enough; a member of the group is', async () => {
    await bot.requester.slashCommand({ text: 'start stage', userId: REQUESTER, channelId: CHANNEL });
    const gate = await postedGate(store().gates, 'stage-1', { kind: 'shift', target: 5 }, 60_000).catch(
      async (err: Error) => {
        throw new Error(`${err.message}; stage-1 is ${JSON.stringify(await store().runs.getRun('stage-1'))}`);
      },
    );
    await click(gate, ALICE);
    await eventually(() => shown(gate).includes('Approvals: 1 of 2'));
    await click(gate, CAROL);
    await eventually(() => shown(gate).includes('Approvals: 2 of 2'));
    expect(shown(gate)).toContain('<!subteam^S0SRE>');
    expect((await store().gates.getGate(gate.id))?.status).toBe('pending');
    await click(gate, SRE);
    await eventually(async () => (await store().gates.getGate(gate.id))?.status === 'approved', 30_000);
    const recorded = (await store().events.listEvents('stage-1')).filter(
      (e) => e.kind === 'gate.approval_recorded',
    );
    expect(recorded.map((e) => e.actor)).toEqual([ALICE, CAROL]);
    expect(recorded[1]?.details.missingGroups).toEqual(['S0SRE']);
  }, 90_000);
});
