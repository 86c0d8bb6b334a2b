import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeJob } from '../../jobs/complete.js';
import { reconcile } from '../../src/engine/reconcile.js';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

/**
 * A job's own messages (reports, the completion announcement) go through the thread outbox: Slack
 * refusing them never fails the job, and the reconciler posts them once Slack takes them again.
 */
const CHANNEL = 'C0OUTBOX01';

describe("a job's messages while Slack refuses them", () => {
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startTestBot({ config: { ...minimalConfigObject(), slack: { channel: CHANNEL } } });
  }, 60_000);

  afterAll(async () => {
    await bot?.close();
  });

  it('complete succeeds with the channel archived; summary and broadcast announcement follow later', async () => {
    const { deps, engine, store } = bot.composition;
    const created = await store.runs.createRun(
      { environment: 'prod', requestedBy: 'U0REQ', channel: CHANNEL, planSteps: [100], dryRun: false },
      { actor: 'U0REQ', kind: 'command.start', phase: 'preflight', details: {} },
    );
    if (!created.ok) throw new Error('run not created');
    const run = created.run;
    const card = await deps.notifier.post({ channel: CHANNEL, text: 'card' });
    await store.runs.recordCardOnce(run.id, async () => card);
    const withCard = (await store.runs.getRun(run.id)) ?? run;

    bot.slack.setChannel(CHANNEL, { isArchived: true });
    const env = bot.config.environments.prod;
    if (!env) throw new Error('no env');
    const outcome = await completeJob.run({
      run: withCard,
      env,
      payload: { v: 1, runId: run.id },
      deps,
      signal: new AbortController().signal,
      log: deps.log,
      progress: { report: async () => undefined, stop: async () => undefined },
    });
    expect(outcome.type).toBe('succeeded');
    expect(bot.slack.thread(CHANNEL, card.ts)).toEqual([]);

    // Slack takes messages again: the reconciler posts what was left, in order, the announcement broadcast.
    bot.slack.setChannel(CHANNEL, { isArchived: false });
    await reconcile({ ...deps, now: () => new Date(Date.now() + 60_000) }, engine);
    const thread = bot.slack.thread(CHANNEL, card.ts);
    expect(thread.map((m) => m.text)).toEqual([
      expect.stringContaining('summary'),
      expect.stringContaining('The write freeze on X has ended'),
    ]);
    expect(thread[1]?.broadcast).toBe(true);
    expect(bot.slack.messages(CHANNEL).map((m) => m.text)).toContain(thread[1]?.text);
  }, 60_000);
});
