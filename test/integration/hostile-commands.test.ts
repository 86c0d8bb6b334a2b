import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '../../src/slack/commands/command-context.js';
import { createCommandHandler } from '../../src/slack/handle-command.js';
import { parseCommand } from '../../src/slack/parse-command.js';
import { minimalConfigObject } from '../support/config-fixtures.js';
import { eventually } from '../support/eventually.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { connectRedis, type StateSnapshot, snapshotState } from './hostile-support.js';

/**
 * Issue 8 (6): arbitrary slash-command text from arbitrary users and channels never crashes the bot,
 * always gets a clear ephemeral answer, and (for anything that is not a valid, allowed command)
 * changes nothing: no rows in runs/run_events/gates, no jobs.
 */
const CHANNEL = 'C0HOSTILE1';
const ENVIRONMENTS = ['prod', 'staging'];

// Words that make parsed-but-wrong commands likely. `prod` has an active run (a start is refused);
// `staging` is deliberately absent (a start there would be a real, allowed change), as is `prod-1`.
const VOCABULARY = [
  'help',
  'start',
  'status',
  'list',
  'compare',
  'shift',
  'rollback',
  'pause',
  'resume',
  'abort',
  'START',
  'Status',
  'prod',
  'PROD',
  'qa',
  'prod-2',
  'prod-0',
  'prod-01',
  'prod-99999999999999999999',
  'staging-1',
  'prod-1x',
  'prod-１',
  '--steps',
  '--steps=',
  '--dry-run',
  '--dry-run=false',
  '--force',
  '5,25,50,100',
  '100,50',
  '0',
  '-5',
  '101',
  '50.5',
  '1e2',
  'NaN',
  'Infinity',
  '0x32',
  '５０',
  '50%',
  '<@U0AAA>',
  '<!channel>',
  '*bold*',
  '`code`',
  '```',
  '"',
  "'",
  '\\',
  '\u0000',
  '\u202e',
  '🦍',
  '%s',
  '$' + '{PATH}',
  "'; DROP TABLE runs; --",
  '<script>',
  '\n',
  '\t',
];

const separator = fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', '\u3000', '');
const tokenSoup = fc
  .tuple(
    fc.array(
      fc.oneof(fc.constantFrom(...VOCABULARY), fc.string({ maxLength: 12 }), fc.integer().map(String)),
      {
        maxLength: 7,
      },
    ),
    separator,
  )
  .map(([tokens, sep]) => tokens.join(sep === '' ? ' ' : sep));
const hostileText = fc.oneof(
  { weight: 3, arbitrary: tokenSoup },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.nat({ max: 50_000 }).map((n) => `start ${'x'.repeat(n)}`) },
);
const slackId = fc.oneof(
  fc.constantFrom('U0REQ', 'U0AAA', 'U0STRANGER', '', ' ', 'undefined', 'null', '<@U0AAA>'),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

// The handler drops U+0000 (PostgreSQL cannot store it) before parsing; so does this oracle.
const parse = (text: string) => parseCommand(text.replaceAll('\u0000', ''), { environments: ENVIRONMENTS });

function isValidAndHarmful(text: string): boolean {
  const parsed = parse(text);
  if (!parsed.ok) return false;
  const { kind } = parsed.command;
  const target = 'run' in parsed.command ? parsed.command.run?.id : undefined;
  if (kind === 'start') return parsed.command.environment !== 'prod';
  return target === 'prod-1' && !['status', 'compare'].includes(kind);
}

function expectClearEphemeral(reply: CommandReply, text: string) {
  expect(reply.ack.response_type).toBe('ephemeral');
  expect(reply.ack.text.trim().length).toBeGreaterThan(0);
  expect(reply.ack.text).not.toMatch(/undefined|\[object Object\]|Something went wrong/);
  if (!parse(text).ok) {
    expect(reply.ack.text).toContain('Usage');
    expect(reply.after).toBeUndefined();
  }
}

describe('hostile slash commands', () => {
  let bot: TestBot;
  let redis: Redis;
  let handle: ReturnType<typeof createCommandHandler>;
  let before: StateSnapshot;

  beforeAll(async () => {
    const config = minimalConfigObject();
    const environments = config.environments as Record<string, unknown>;
    environments.staging = structuredClone(environments.prod);
    config.slack = { channel: CHANNEL };
    // No workers: jobs stay in the queue, so any new one shows in the key count.
    bot = await startTestBot({ config, workers: false });
    redis = connectRedis();
    const c = bot.composition;
    handle = createCommandHandler({ ...c.deps, engine: c.engine, isApprover: c.isApprover });
    const started = await bot.requester.slashCommand({
      text: 'start prod',
      userId: 'U0REQ',
      channelId: CHANNEL,
    });
    expect(started.status).toBe(200);
    await eventually(async () => (await bot.composition.store.runs.getRun('prod-1'))?.cardTs);
    before = await snapshotState(bot, redis);
    expect(before.jobKeys).toBe(1);
  });

  afterAll(async () => {
    redis?.disconnect();
    await bot?.close();
  });

  it('the generators are hostile: nearly every case is refused by the parser or by the bot', () => {
    const sample = fc.sample(hostileText, 2000);
    const parsedOk = sample.filter((t) => parse(t).ok);
    expect(parsedOk.length).toBeLessThan(sample.length / 2);
    expect(sample.filter(isValidAndHarmful)).toEqual([]);
  });

  it('10,000 arbitrary commands through the handler: a clear ephemeral answer, nothing written, no job', async () => {
    const started = Date.now();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(hostileText, slackId, slackId, async (text, userId, channelId) => {
        cases += 1;
        const reply = await handle({ text, userId, channelId });
        expectClearEphemeral(reply, text);
        // A refusal has nothing to do after the ack; a read-only answer may not either.
        await reply.after?.();
      }),
      { numRuns: 10_000 },
    );
    expect(cases).toBe(10_000);
    expect(await snapshotState(bot, redis)).toEqual(before);
    console.info(`hostile commands via handler: 10,000 cases in ${Date.now() - started} ms`);
  }, 120_000);

  it('500 arbitrary signed commands through HTTP: 200 with an ephemeral answer, nothing written', async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        hostileText.filter((t) => t.length < 4000),
        slackId,
        slackId,
        async (text, userId, channelId) => {
          const reply = await bot.requester.slashCommand({ text, userId, channelId });
          expect(reply.status).toBe(200);
          const body = JSON.parse(reply.body) as { response_type?: string; text?: string };
          expect(body.response_type).toBe('ephemeral');
          expect(String(body.text).trim()).not.toBe('');
          expect(body.text).not.toMatch(/Something went wrong/);
        },
      ),
      { numRuns: 500 },
    );
    expect(await snapshotState(bot, redis)).toEqual(before);
    const health = await fetch(`${bot.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(health.status).toBe(200);
    console.info(`hostile commands via HTTP: 500 cases in ${Date.now() - started} ms`);
  }, 120_000);

  it('a second start of prod is refused with a link to the active run, and writes nothing', async () => {
    const reply = await handle({ text: 'start prod', userId: 'U0LATE', channelId: CHANNEL });
    expect(reply.ack.text).toMatch(/already has an active run: \*prod-1\*/);
    expect(await snapshotState(bot, redis)).toEqual(before);
  });

  it('the bad-input check itself can fail: a valid start does write a run and a job', async () => {
    const reply = await handle({ text: 'start staging --dry-run', userId: 'U0LATE', channelId: CHANNEL });
    expect(reply.ack.text).toMatch(/Dry run \*staging-1\*/);
    const after = await snapshotState(bot, redis);
    expect(after.runs).not.toBe(before.runs);
    expect(after.jobKeys).toBe(before.jobKeys + 1);
    await reply.after?.();
  });
});
