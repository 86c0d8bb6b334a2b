import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobDefinition } from '../../src/engine/job-definition.js';
import { postToThread } from '../../src/engine/post-to-thread.js';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { eventually } from '../support/eventually.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

/**
 * Issue 8 (4), whole bot: Slack refusing or rate-limiting the bot's messages never changes a run's
 * state; failures are logged with the run and counted in /metrics; progress updates stay ≤ 1/s per
 * message; long verify tables are split so the workspace (which enforces Block Kit limits) accepts them.
 */
const CHANNEL = 'C0SLKFLT01';
const TABLE_ROWS = 300;

const row = (i: number) =>
  `| table_${String(i).padStart(4, '0')} | ${'1'.repeat(12)} | ${'1'.repeat(12)} | equal |`;

const stub = (name: 'preflight' | 'backup' | 'restore' | 'deploy'): JobDefinition => ({
  name,
  phase: name,
  async run(ctx) {
    if (name === 'backup') {
      // A burst of 200 progress reports over ~2 s: the message may change at most once a second.
      const reports: Promise<void>[] = [];
      for (let i = 1; i <= 200; i += 1) {
        reports.push(ctx.progress.report({ done: i, total: 200, label: `table ${i}` }));
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 200));
      }
      await Promise.all(reports);
    }
    return { type: 'succeeded', summary: `${name}: stubbed` };
  },
});

const verify: JobDefinition = {
  name: 'verify',
  phase: 'verify',
  async run(ctx) {
    const table = ['```', ...Array.from({ length: TABLE_ROWS }, (_, i) => row(i)), '```'].join('\n');
    await postToThread(ctx.deps.notifier, ctx.run, `*Consistency X vs Y*\n${table}`);
    await ctx.deps.notifier.post({
      channel: ctx.run.channel,
      threadTs: ctx.run.threadTs,
      text: 'Smoke tests',
      blocks: Array.from({ length: 80 }, (_, i) => ({
        type: 'section',
        text: { type: 'mrkdwn', text: `smoke test ${i}: ${'ok '.repeat(1200)}` },
      })),
    });
    return { type: 'succeeded', summary: 'verify: stubbed with a long table' };
  },
};

describe('Slack faults, whole bot', () => {
  let bot: TestBot;

  beforeAll(async () => {
    const config = minimalConfigObject();
    config.slack = { channel: CHANNEL };
    bot = await startTestBot({
      config,
      workers: true,
      definitions: [stub('preflight'), stub('backup'), stub('restore'), stub('deploy'), verify],
    });
  });

  afterAll(async () => {
    await bot?.close();
  });

  async function metric(line: RegExp): Promise<number> {
    const res = await request(`${bot.url}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await res.body.text();
    const found = text.split('\n').find((l) => line.test(l));
    return found ? Number(found.split(' ').at(-1)) : 0;
  }

  it('a refused run card (channel_not_found) is logged with the run, counted, and the run goes on', async () => {
    const before = await metric(
      /^kong_upgrade_bot_slack_api_errors_total\{.*chat\.postMessage.*channel_not_found/,
    );
    bot.slack.failNext('chat.postMessage', 'channel_not_found');
    const reply = await bot.requester.slashCommand({
      text: 'start prod',
      userId: 'U0REQ',
      channelId: CHANNEL,
    });
    expect(reply.status).toBe(200);
    const run = await eventually(async () => {
      const r = await bot.composition.store.runs.getRun('prod-1');
      return r?.phase === 'awaiting_gate' && r;
    }, 30_000);
    // The card was posted later (the next change repaints), and the gate went out in its thread.
    expect(run.cardTs).not.toBeNull();
    const gate = await eventually(
      async () => (await bot.composition.store.gates.pendingGates('prod-1'))[0]?.messageTs,
    );
    expect(bot.slack.message(CHANNEL, gate)).toBeDefined();
    const lines = bot.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.runId === 'prod-1' && String(l.err).includes('channel_not_found'))).toBe(true);
    // Exactly one card: the failed post was retried once, not by every path that noticed it missing.
    expect(bot.slack.messages(CHANNEL).filter((m) => m.text === 'Kong upgrade prod-1')).toHaveLength(1);
    expect(lines.some((l) => l.code === 'channel_not_found' && l.method === 'chat.postMessage')).toBe(true);
    const after = await metric(
      /^kong_upgrade_bot_slack_api_errors_total\{.*chat\.postMessage.*channel_not_found/,
    );
    expect(after - before).toBe(1);
    const events = await bot.composition.store.events.listEvents('prod-1');
    expect(events.map((e) => e.kind)).toContain('job.verify.succeeded');
  }, 40_000);

  it('progress updates of one message were at most one per second', () => {
    const run = bot.slack.calls('chat.postMessage').find((c) => String(c.params.text).includes('table 1'));
    expect(run).toBeDefined();
    const progress = bot.slack
      .messages(CHANNEL)
      .flatMap((m) => [m, ...bot.slack.thread(CHANNEL, m.ts)])
      .find((m) => m.updates.some((u) => u.text.includes('table ')));
    const updates = progress?.updates ?? [];
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < updates.length; i += 1) {
      expect((updates[i]?.at.getTime() ?? 0) - (updates[i - 1]?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(
        980,
      );
    }
    expect(updates.at(-1)?.text).toContain('200/200');
  });

  it('the long verify table was split into messages the workspace accepted, every row shown in order', () => {
    const run = bot.slack.messages(CHANNEL).find((m) => m.text.includes('prod-1'));
    const replies = bot.slack.thread(CHANNEL, run?.ts ?? '');
    const tableParts = replies.filter((m) => m.text.includes('| table_'));
    expect(tableParts.length).toBeGreaterThanOrEqual(2);
    for (const part of tableParts) {
      expect(part.text.length).toBeLessThanOrEqual(3000);
      // Every piece is a closed code block on its own.
      expect(part.text.split('```').length % 2).toBe(1);
    }
    const rows = tableParts.flatMap((m) => m.text.split('\n').filter((l) => l.startsWith('| table_')));
    expect(rows).toEqual(Array.from({ length: TABLE_ROWS }, (_, i) => row(i)));
    const smoke = replies.find((m) => m.text === 'Smoke tests');
    expect(smoke?.blocks?.length).toBe(50);
    // Each piece went out in one call: none was refused and retried.
    const tableCalls = bot.slack
      .calls('chat.postMessage')
      .filter((c) => String(c.params.text) === 'Smoke tests' || String(c.params.text).includes('| table_'));
    expect(tableCalls.length).toBe(tableParts.length + 1);
  });

  it('a 429 on the next message is waited out; the message arrives after Retry-After', async () => {
    const run = await bot.composition.store.runs.getRun('prod-1');
    bot.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const started = Date.now();
    await bot.composition.notifier.post({
      channel: CHANNEL,
      threadTs: run?.threadTs ?? null,
      text: 'after 429',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    const calls = bot.slack.calls('chat.postMessage').filter((c) => c.params.text === 'after 429');
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(bot.slack.thread(CHANNEL, run?.threadTs ?? '').some((m) => m.text === 'after 429')).toBe(true);
    expect((await bot.composition.store.runs.getRun('prod-1'))?.phase).toBe(run?.phase);
  });

  it('the bot still answers /healthz', async () => {
    const res = await request(`${bot.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ ok: true });
  });
});
