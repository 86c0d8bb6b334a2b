import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/create-logger.js';
import { isAppError } from '../../src/errors.js';
import { createSlackNotifier } from '../../src/slack/create-slack-notifier.js';
import type { Notifier, SlackBlock } from '../../src/slack/notifier.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

/**
 * Issue 8 (4): the real notifier (WebClient) against the simulated workspace's faults: 429 with
 * Retry-After, ok:false errors, bursts of updates, and messages beyond Block Kit's limits.
 */
const CHANNEL = 'C0FAULTS01';

describe('Slack faults through the real notifier', () => {
  let slack: FakeSlack;
  let notifier: Notifier;
  let logs: string[];
  let errors: Array<[string, string]>;

  const makeNotifier = () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    notifier = createSlackNotifier({
      token: slack.botToken,
      apiUrl: slack.apiUrl,
      log: createLogger({ level: 'debug', secrets: [slack.botToken], destination: sink }),
      onError: (method, code) => errors.push([method, code]),
      // Short backoffs keep the test fast; Retry-After and pacing stay as in production.
      scheduling: { backoffBaseMs: 50 },
    });
  };

  beforeAll(async () => {
    slack = await startFakeSlack();
    logs = [];
    errors = [];
  });

  afterAll(async () => {
    await slack?.close();
  });

  beforeEach(() => {
    // A fresh notifier per test: one test's channel pacing must not slow the next.
    makeNotifier();
    slack.reset();
    logs.length = 0;
    errors.length = 0;
  });

  it('waits as long as Retry-After says on HTTP 429, then the message goes out once', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const started = Date.now();
    const posted = await notifier.post({ channel: CHANNEL, text: 'after a rate limit' });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(4000);
    const calls = slack.calls('chat.postMessage');
    expect(calls).toHaveLength(2);
    const [first, second] = calls;
    expect((second?.at.getTime() ?? 0) - (first?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(990);
    expect(slack.messages(CHANNEL).map((m) => m.ts)).toEqual([posted.ts]);
    expect(errors).toEqual([]);
  });

  it('gives up after its bounded retries when Slack keeps answering 429, as a retryable error', async () => {
    for (let i = 0; i < 5; i += 1) slack.failNext('chat.postMessage', { status: 429, retryAfter: 0 });
    const err = await notifier.post({ channel: CHANNEL, text: 'never' }).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('E_SLACK_API');
    // A rate limit is "not now": whoever holds the message (the outbox, a job) may try again later.
    expect(isAppError(err) && err.retryable).toBe(true);
    expect(isAppError(err) && err.details.code).toBe('ratelimited');
    expect(slack.calls('chat.postMessage')).toHaveLength(5);
    expect(slack.messages(CHANNEL)).toEqual([]);
    // The next message is not held back by the earlier failure.
    await notifier.post({ channel: CHANNEL, text: 'after giving up' });
    expect(slack.messages(CHANNEL).map((m) => m.text)).toEqual(['after giving up']);
  }, 20_000);

  it('retries HTTP 5xx and ok:false rate_limited / ratelimited, then the message goes out once', async () => {
    slack.failNext('chat.postMessage', { status: 500 });
    slack.failNext('chat.postMessage', { status: 503 });
    slack.failNext('chat.postMessage', 'rate_limited');
    slack.failNext('chat.postMessage', 'ratelimited');
    const posted = await notifier.post({ channel: CHANNEL, text: 'through the storm' });
    expect(slack.calls('chat.postMessage')).toHaveLength(5);
    expect(slack.messages(CHANNEL).map((m) => m.ts)).toEqual([posted.ts]);
    expect(errors).toEqual([]);
    // The SDK's own warnings ("http request failed") come through pino, not the console.
    const sdkLines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(sdkLines.some((l) => l.component === 'slack-web-api' && l.level === 40)).toBe(true);
  }, 20_000);

  it('HTTP 500 on every try ends in a retryable error (never "unknown")', async () => {
    for (let i = 0; i < 5; i += 1) slack.failNext('chat.postMessage', { status: 500 });
    const err = await notifier.post({ channel: CHANNEL, text: 'never' }).catch((e: unknown) => e);
    expect(isAppError(err) && err.retryable).toBe(true);
    expect(isAppError(err) && err.details.code).toBe('http_500');
  }, 20_000);

  it('a rate-limited progress update never delays a gate message (measured)', async () => {
    const { ts } = await notifier.post({ channel: CHANNEL, text: 'progress 0' });
    slack.failNext('chat.update', { status: 429, retryAfter: 2 });
    const progress = notifier.update({ channel: CHANNEL, ts, text: 'progress 1' });
    await slack.waitFor(() => slack.calls('chat.update').length === 1);
    const started = Date.now();
    await notifier.post({ channel: CHANNEL, text: 'gate: approve 25 %?', priority: 'urgent' });
    const gateMs = Date.now() - started;
    // The SDK's own handling paused the whole client for the 2 s of Retry-After.
    expect(gateMs).toBeLessThan(500);
    await progress;
    expect(slack.message(CHANNEL, ts)?.text).toBe('progress 1');
    const updates = slack.calls('chat.update');
    expect((updates[1]?.at.getTime() ?? 0) - (updates[0]?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(1990);
  }, 10_000);

  it('paces posts per channel (a short burst, then about 1/s) without slowing other channels', async () => {
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => notifier.post({ channel: CHANNEL, text: `line ${i}` })),
    );
    const other = Date.now();
    await notifier.post({ channel: 'C0OTHER001', text: 'elsewhere' });
    expect(Date.now() - other).toBeLessThan(300);
    const at = slack
      .calls('chat.postMessage')
      .filter((c) => c.params.channel === CHANNEL)
      .map((c) => c.at.getTime());
    expect(at).toHaveLength(6);
    // 3 at once, then one a second: the 6th goes out about 3 s after the first.
    expect((at[5] ?? 0) - started).toBeGreaterThanOrEqual(2900);
    // In order, as posted.
    expect(slack.messages(CHANNEL).map((m) => m.text)).toEqual(
      Array.from({ length: 6 }, (_, i) => `line ${i}`),
    );
  }, 10_000);

  it.each(['channel_not_found', 'not_in_channel', 'msg_too_long', 'is_archived'])(
    'ok:false %s: typed error, logged with its code and context, counted, next message goes out',
    async (code) => {
      slack.failNext('chat.postMessage', code);
      const err = await notifier.post({ channel: CHANNEL, text: 'refused' }).catch((e: unknown) => e);
      expect(isAppError(err)).toBe(true);
      if (!isAppError(err)) return;
      expect(err.code).toBe('E_SLACK_API');
      expect(err.retryable).toBe(false);
      expect(err.details).toMatchObject({ method: 'chat.postMessage', code });
      expect(err.message).toContain(code);
      expect(errors).toEqual([['chat.postMessage', code]]);
      const line = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.code === code);
      expect(line).toMatchObject({ method: 'chat.postMessage', channel: CHANNEL, level: 40 });
      // ok:false is not retried (it would fail the same way).
      expect(slack.calls('chat.postMessage')).toHaveLength(1);
      await notifier.post({ channel: CHANNEL, text: 'next one' });
      expect(slack.messages(CHANNEL).map((m) => m.text)).toEqual(['next one']);
    },
  );

  it('coalesces a burst of 200 updates: at most one chat.update per second, ending on the newest', async () => {
    const { ts } = await notifier.post({ channel: CHANNEL, text: 'progress 0' });
    const sent: Promise<void>[] = [];
    for (let i = 1; i <= 200; i += 1) {
      sent.push(notifier.update({ channel: CHANNEL, ts, text: `progress ${i}` }));
      // Spread over ~2.4 s so several windows are crossed.
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 120));
    }
    await Promise.all(sent);
    const updates = slack.message(CHANNEL, ts)?.updates ?? [];
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < updates.length; i += 1) {
      const gap = (updates[i]?.at.getTime() ?? 0) - (updates[i - 1]?.at.getTime() ?? 0);
      // The coalescer spaces sends by 1 s at the client; allow a few ms of network jitter at the server.
      expect(gap).toBeGreaterThanOrEqual(980);
    }
    expect(updates.at(-1)?.text).toBe('progress 200');
  }, 15_000);

  it('updates of different messages are not held back by each other', async () => {
    const a = await notifier.post({ channel: CHANNEL, text: 'a' });
    const b = await notifier.post({ channel: CHANNEL, text: 'b' });
    const started = Date.now();
    await Promise.all([
      notifier.update({ channel: CHANNEL, ts: a.ts, text: 'a1' }),
      notifier.update({ channel: CHANNEL, ts: b.ts, text: 'b1' }),
    ]);
    expect(Date.now() - started).toBeLessThan(900);
    expect(slack.message(CHANNEL, a.ts)?.text).toBe('a1');
    expect(slack.message(CHANNEL, b.ts)?.text).toBe('b1');
  });

  it('an update whose text exceeds chat.update’s 4,000 characters is shortened, not refused', async () => {
    const { ts } = await notifier.post({ channel: CHANNEL, text: 'short' });
    await notifier.update({ channel: CHANNEL, ts, text: 'x'.repeat(9000) });
    const message = slack.message(CHANNEL, ts);
    expect(message?.updates).toHaveLength(1);
    expect(message?.text.length).toBeLessThanOrEqual(4000);
    expect(errors).toEqual([]);
  });

  it('splits sections over 3,000 characters and caps 50 blocks; the workspace accepts the message', async () => {
    const row = (i: number) =>
      `| table_${String(i).padStart(4, '0')} | ${'9'.repeat(20)} | ${'8'.repeat(20)} |`;
    const table = Array.from({ length: 400 }, (_, i) => row(i)).join('\n');
    const blocks: SlackBlock[] = [
      { type: 'header', text: { type: 'plain_text', text: 'Verify: X vs Y' } },
      { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${table}\`\`\`` } },
      ...Array.from({ length: 60 }, (_, i) => ({
        type: 'section',
        text: { type: 'mrkdwn', text: `row ${i}: ${'z'.repeat(3500)}` },
      })),
    ];
    expect(table.length).toBeGreaterThan(3 * 3000);
    const posted = await notifier.post({ channel: CHANNEL, text: 'Verify: X vs Y', blocks });
    const stored = slack.message(CHANNEL, posted.ts);
    const out = (stored?.blocks ?? []) as Array<{ type: string; text?: { text: string } }>;
    expect(out.length).toBe(50);
    for (const b of out) expect((b.text?.text ?? '').length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(out.at(-1))).toMatch(/more blocks, left out/);
    // The first split sections carry the table's rows in order.
    const shown = out
      .filter((b) => b.type === 'section')
      .map((b) => b.text?.text ?? '')
      .join('\n');
    expect(shown).toContain(row(0));
    expect(shown).toContain(row(399));
    expect(errors).toEqual([]);
    // The same blocks through chat.update are accepted too.
    await notifier.update({ channel: CHANNEL, ts: posted.ts, text: 'Verify: X vs Y (again)', blocks });
    expect(slack.message(CHANNEL, posted.ts)?.updates).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});
