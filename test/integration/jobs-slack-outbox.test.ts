import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeJob } from '../../jobs/complete.js';
import { reconcile } from '../../src/engine/reconcile.js';
import { minimalConfigObject, withConfigKey } from '../support/config-fixtures.js';
import { type FakeWebhookRouter, startFakeWebhookRouter } from '../support/fake-webhook-router.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

/**
 * A job's own messages (reports, the completion announcement) go through the thread outbox: Slack
 * refusing them never fails the job, and the reconciler posts them once Slack takes them again.
 */
const CHANNEL = 'C0OUTBOX01';

describe("a job's messages while Slack refuses them", () => {
  let bot: TestBot;
  let router: FakeWebhookRouter;

  beforeAll(async () => {
    // Completion reads the router: it serves Y 100 %, as after the last approved step.
    router = await startFakeWebhookRouter('s3cret');
    router.weights = { x: 0, y: 100 };
    const config = withConfigKey(
      { ...minimalConfigObject(), slack: { channel: CHANNEL } },
      'environments.prod.traffic',
      {
        router: 'webhook',
        webhook: { url: router.url, secret: 's3cret' },
      },
    );
    bot = await startTestBot({ config });
  }, 60_000);

  afterAll(async () => {
    await bot?.close();
    await router?.close();
  });

  it('complete succeeds with the channel archived; summary and broadcast announcement follow later', async () => {
    const { deps, engine, store } = bot.composition;
    const created = await store.runs.createRun(
      { environment: 'prod', requestedBy: 'U0REQ', channel: CHANNEL, planSteps: [100], dryRun: false },
      { actor: 'U0REQ', kind: 'command.start', phase: 'preflight', details: {} },
    );
    if (!created.ok) throw new Error('run not created');
    const run = created.run;
    await store.runs.updateRun(run.id, run.version, { phase: 'completing', appliedWeight: 100 }, []);
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
      shutdown: new AbortController().signal,
      log: deps.log,
      progress: { report: async () => undefined, stop: async () => undefined },
    });
    expect(outcome.type).toBe('succeeded');
    expect(bot.slack.thread(CHANNEL, card.ts)).toEqual([]);

    // Slack takes messages again: the reconciler posts what was left, in order, the announcement broadcast.
    bot.slack.setChannel(CHANNEL, { isArchived: false });
    // The reconciler (on the database clock) takes lines older than its grace: these were left a minute ago.
    await bot.composition.db.query("UPDATE thread_outbox SET created_at = created_at - interval '1 minute'");
    await reconcile(deps, engine);
    const thread = bot.slack.thread(CHANNEL, card.ts);
    expect(thread.map((m) => m.text)).toEqual([
      expect.stringContaining('summary'),
      expect.stringContaining('The write freeze on X has ended'),
    ]);
    expect(thread[1]?.broadcast).toBe(true);
    expect(bot.slack.messages(CHANNEL).map((m) => m.text)).toContain(thread[1]?.text);
  }, 60_000);
});
