import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgressReporter } from '../../src/engine/progress-reporter.js';
import { createSlackNotifier } from '../../src/slack/create-slack-notifier.js';
import type { Notifier } from '../../src/slack/notifier.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

const CHANNEL = 'C0PROGRES1';

/**
 * Issue 4, acceptance 6: a job's progress message is updated at most once per second however fast
 * the job reports, and it ends on the latest progress. Real notifier, real HTTP to the fake Slack.
 */
describe('progress message updates', () => {
  let slack: FakeSlack;
  let notifier: Notifier;

  beforeAll(async () => {
    slack = await startFakeSlack();
    notifier = createSlackNotifier({
      token: slack.botToken,
      apiUrl: slack.apiUrl,
      log: pino({ level: 'silent' }),
    });
  });

  afterAll(async () => {
    await slack?.close();
  });

  async function parent(): Promise<string> {
    return (await notifier.post({ channel: CHANNEL, text: 'run card' })).ts;
  }

  function progressMessage(threadTs: string, title: string) {
    const message = slack.thread(CHANNEL, threadTs).find((m) => m.text.startsWith(`${title}:`));
    if (!message) throw new Error(`no ${title} progress message in the thread`);
    return message;
  }

  function gaps(times: Date[]): number[] {
    return times.slice(1).map((t, i) => t.getTime() - (times[i] as Date).getTime());
  }

  it('200 reports in a tight loop: one message, at most two updates, ending on 200/200', async () => {
    const threadTs = await parent();
    const progress = createProgressReporter({ notifier, channel: CHANNEL, threadTs, title: 'Backup' });
    const pending: Promise<void>[] = [];
    for (let i = 1; i <= 200; i++)
      pending.push(progress.report({ done: i, total: 200, label: `table ${i}` }));
    await Promise.all(pending);
    const message = progressMessage(threadTs, 'Backup');
    expect(slack.thread(CHANNEL, threadTs)).toHaveLength(1);
    expect(message.updates.length).toBeGreaterThanOrEqual(1);
    expect(message.updates.length).toBeLessThanOrEqual(2);
    expect(message.updates.at(-1)?.text).toContain('200/200');
    expect(message.updates.at(-1)?.text).toContain('table 200');
    expect(message.updates.at(-1)?.text).toContain('100 %');
    expect(slack.calls('chat.update').length).toBe(message.updates.length);
  });

  it('200 reports over about three seconds: updates at least a second apart, ending on the last report', async () => {
    const threadTs = await parent();
    const progress = createProgressReporter({ notifier, channel: CHANNEL, threadTs, title: 'Restore' });
    const pending: Promise<void>[] = [];
    const started = Date.now();
    for (let i = 1; i <= 200; i++) {
      pending.push(progress.report({ done: i, total: 200, label: `table ${i}` }));
      await new Promise((r) => setTimeout(r, 15));
    }
    await Promise.all(pending);
    const elapsed = Date.now() - started;
    const message = progressMessage(threadTs, 'Restore');
    const times = message.updates.map((u) => u.at);
    // One per second at most, plus the first one right away.
    expect(message.updates.length).toBeGreaterThanOrEqual(2);
    expect(message.updates.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1);
    for (const gap of gaps(times)) expect(gap).toBeGreaterThanOrEqual(950);
    expect(message.updates.at(-1)?.text).toContain('200/200');
    expect(message.updates.at(-1)?.text).toContain('table 200');
  });

  it('two jobs reporting at once are limited per message, not starved by each other', async () => {
    const threadTs = await parent();
    const a = createProgressReporter({ notifier, channel: CHANNEL, threadTs, title: 'Verify' });
    const b = createProgressReporter({ notifier, channel: CHANNEL, threadTs, title: 'Deploy' });
    const pending: Promise<void>[] = [];
    for (let i = 1; i <= 100; i++) {
      pending.push(
        a.report({ done: i, total: 100, label: 'a' }),
        b.report({ done: i, total: 100, label: 'b' }),
      );
      await new Promise((r) => setTimeout(r, 15));
    }
    await Promise.all(pending);
    for (const title of ['Verify', 'Deploy']) {
      const message = progressMessage(threadTs, title);
      expect(message.updates.length).toBeGreaterThanOrEqual(1);
      for (const gap of gaps(message.updates.map((u) => u.at))) expect(gap).toBeGreaterThanOrEqual(950);
      expect(message.updates.at(-1)?.text).toContain('100/100');
    }
  });
});
