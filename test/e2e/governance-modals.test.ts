import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gate } from '../../src/domain/gate.js';
import { eventually } from '../support/eventually.js';
import type { FakeView } from '../support/fake-slack.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { seededYDefinitions } from '../support/seeded-y-definitions.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0GOVERN01';
const STARTER = 'U0START';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

/**
 * Slack-native governance with the real bot: a reject and a rollback need a written reason, asked for in
 * a modal whose submission decides the gate exactly once; `/kong-upgrade start` alone opens the start
 * form, which creates the same run as the command; the App Home tab lists it and follows its changes.
 */
describe('reason modal, start form and App Home (whole bot)', () => {
  let pair: KongPair;
  let bot: TestBot;

  beforeAll(async () => {
    pair = await startKongPair({ seedY: true, xVersion: '3.4.2' });
    const env = pair.environment({ plan: { steps: [5, 100], observeSeconds: 3600 } });
    bot = await startTestBot({
      config: {
        approvals: {
          approvers: [STARTER, ALICE, BOB],
          fourEyes: true,
          reasonRequired: ['reject', 'rollback'],
        },
        environments: { prod: env, stage: env },
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
  const modals = (user: string, callbackId: string) =>
    bot.slack.views(user).filter((v) => v.kind === 'modal' && v.view.callback_id === callbackId);
  /** Clicks with a fresh trigger for the clicker and answers the modal it opened. */
  const clickForModal = async (gate: Gate, userId: string, actionId: string): Promise<FakeView> => {
    const before = modals(userId, 'gate.reason').length;
    const reply = await clickGate(bot.requester, gate, {
      userId,
      channelId: CHANNEL,
      actionId,
      triggerId: bot.slack.issueTrigger(userId),
    });
    expect(reply.status).toBe(200);
    return eventually(() => modals(userId, 'gate.reason')[before] ?? null, 5_000);
  };
  const submitReason = (modal: FakeView, userId: string, reason: string, ticket = '') =>
    bot.requester.submitView({
      userId,
      view: modal.view,
      viewId: modal.id,
      values: {
        reason: { value: { type: 'plain_text_input', value: reason } },
        ticket: { value: { type: 'plain_text_input', value: ticket } },
      },
    });
  const thread = async (runId: string) => {
    const run = await store().runs.getRun(runId);
    return bot.slack
      .thread(CHANNEL, run?.threadTs ?? '')
      .map((m) => m.text)
      .join('\n');
  };

  it('the start form creates the same run as the command; App Home lists it and follows it', async () => {
    // `/kong-upgrade start` alone: the form opens (ack at once, nothing created).
    const reply = await bot.requester.slashCommand({
      text: 'start',
      userId: STARTER,
      channelId: CHANNEL,
      triggerId: bot.slack.issueTrigger(STARTER),
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringMatching(/Opening the start form/),
    });
    const form = await eventually(() => modals(STARTER, 'start.modal')[0] ?? null, 5_000);
    expect(JSON.stringify(form.view)).toContain('"value":"stage"');
    expect((await bot.composition.db.query('SELECT count(*)::int AS n FROM runs'))[0]?.n).toBe(0);
    const submit = (steps: string) =>
      bot.requester.submitView({
        userId: STARTER,
        view: form.view,
        viewId: form.id,
        values: {
          environment: { value: { type: 'static_select', selected_option: { value: 'stage' } } },
          steps: { value: { type: 'plain_text_input', value: steps } },
          options: { value: { type: 'checkboxes', selected_options: [] } },
        },
      });
    // Bad steps are named on their field, and nothing is created.
    const bad = await submit('50,25');
    expect(JSON.parse(bad.body)).toMatchObject({
      response_action: 'errors',
      errors: { steps: expect.any(String) },
    });
    expect((await bot.composition.db.query('SELECT count(*)::int AS n FROM runs'))[0]?.n).toBe(0);
    const ok = await submit('5, 100');
    expect(JSON.parse(ok.body)).toMatchObject({ response_action: 'update' });
    const run = await eventually(() => store().runs.getRun('stage-1'), 10_000);
    expect(run).toMatchObject({
      environment: 'stage',
      requestedBy: STARTER,
      channel: CHANNEL,
      planSteps: [5, 100],
      dryRun: false,
    });
    // The ack said what the command says, in the form.
    expect(JSON.stringify(JSON.parse(ok.body).view)).toContain('stage-1');

    // App Home: opening it publishes the tab with the run; a change to the run is published again.
    await bot.requester.event({ type: 'app_home_opened', user: ALICE, channel: 'D0ALICE', tab: 'home' });
    const home = await eventually(() => bot.slack.views(ALICE).find((v) => v.kind === 'home') ?? null, 5_000);
    expect(JSON.stringify(home.view)).toContain('stage-1');
    expect(JSON.stringify(home.view)).toContain('home.start');
    // The messages tab opening publishes nothing.
    await bot.requester.event({ type: 'app_home_opened', user: BOB, channel: 'D0BOB', tab: 'messages' });
    const gate = await postedGate(store().gates, 'stage-1', { kind: 'shift', target: 5 }, 60_000);
    await eventually(
      () =>
        JSON.stringify(bot.slack.views(ALICE).find((v) => v.kind === 'home')?.view ?? '').includes(
          'Waiting for approval: Shift 5 %',
        ),
      10_000,
    );
    expect(bot.slack.views(BOB)).toEqual([]);
    // The Home tab's start button opens the form too.
    await bot.requester.clickButton({
      userId: ALICE,
      actionId: 'home.start',
      messageTs: '',
      triggerId: bot.slack.issueTrigger(ALICE),
    });
    await eventually(() => modals(ALICE, 'start.modal')[0] ?? null, 5_000);

    // Reject with a reason: the click opens the modal and decides nothing.
    const modal = await clickForModal(gate, ALICE, 'gate.reject');
    expect((await store().gates.getGate(gate.id))?.status).toBe('pending');
    expect((await store().events.listEvents('stage-1')).some((e) => e.kind === 'gate.rejected')).toBe(false);
    // A blank reason is refused on its field.
    const blank = await submitReason(modal, ALICE, '   ');
    expect(JSON.parse(blank.body)).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.any(String) },
    });
    // Two submissions at once (two approvers, each with the form open): exactly one decides the gate.
    const second = await clickForModal(gate, BOB, 'gate.reject');
    const answers = await Promise.all([
      submitReason(modal, ALICE, 'Y answers <!channel> 502 on /orders', 'OPS-42'),
      submitReason(second, BOB, 'not today'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const rejected = (await store().events.listEvents('stage-1')).filter((e) => e.kind === 'gate.rejected');
    expect(rejected).toHaveLength(1);
    const loser = answers.find((a) => a.body.includes('no longer open'));
    expect(loser).toBeDefined();
    const winner = rejected[0];
    expect(winner?.details).toMatchObject({
      reason: winner?.actor === ALICE ? 'Y answers <!channel> 502 on /orders' : 'not today',
    });
    if (winner?.actor === ALICE) expect(winner.details.ticket).toBe('OPS-42');
    expect((await store().gates.getGate(gate.id))?.status).toBe('rejected');
    const said = await eventually(async () => {
      const t = await thread('stage-1');
      return /rejected "Shift 5 % of traffic to Y"\. Reason: "/.test(t) && t;
    }, 10_000);
    expect(said).not.toContain('<!channel>');
    expect(pair.router.posts()).toEqual([]);
  }, 120_000);

  it('a rollback approval needs a reason too; with it the rollback runs and the reason is audited', async () => {
    await bot.requester.slashCommand({ text: 'rollback stage-1', userId: BOB, channelId: CHANNEL });
    const gate = await postedGate(store().gates, 'stage-1', { kind: 'rollback' }, 30_000);
    // Without a trigger (or when the modal cannot open) the click says why and changes nothing.
    const bare = await clickGate(bot.requester, gate, { userId: ALICE, channelId: CHANNEL });
    expect(bare.status).toBe(200);
    await eventually(() =>
      bot.slack.responses().some((r) => String(r.body.text ?? '').includes('needs a written reason')),
    );
    expect((await store().gates.getGate(gate.id))?.status).toBe('pending');
    const modal = await clickForModal(gate, ALICE, 'gate.approve');
    const answer = await submitReason(modal, ALICE, 'freeze requested by the on-call', 'INC-7');
    expect(answer.body).toBe('');
    await eventually(async () => (await store().runs.getRun('stage-1'))?.phase === 'rolled_back', 30_000);
    const approved = (await store().events.listEvents('stage-1')).find((e) => e.kind === 'gate.approved');
    expect(approved).toMatchObject({
      actor: ALICE,
      details: { reason: 'freeze requested by the on-call', ticket: 'INC-7' },
    });
    expect(await thread('stage-1')).toMatch(
      /approved "Roll back: send 100 % of traffic to X"\. Reason: "freeze requested by the on-call" \(ticket INC-7\)/,
    );
    // A submission of the same form again finds the gate decided: it changes nothing.
    const again = await submitReason(modal, ALICE, 'again');
    expect(again.body).toContain('no longer open');
    expect(
      (await store().events.listEvents('stage-1')).filter((e) => e.kind === 'gate.approved'),
    ).toHaveLength(1);
  }, 90_000);
});
