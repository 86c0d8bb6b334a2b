import {
  ErrorCode,
  type Logger,
  LogLevel,
  WebClient,
  WebClientEvent,
  type WebClientOptions,
} from '@slack/web-api';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

let fake: FakeSlack;
let client: WebClient;
const CH = 'C0OPS0001';

/** The WebClient logs Slack's `[ERROR] …` response messages; the tests assert on them instead. */
const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

function clientFor(token: string | undefined, extra: WebClientOptions = {}): WebClient {
  return new WebClient(token, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    logger: quiet,
    ...extra,
  });
}

/** The WebClient turns HTTP 200 + ok:false into a platform error carrying Slack's error code. */
async function slackError(
  call: Promise<unknown>,
): Promise<{ code: string; error: string; data: Record<string, unknown> }> {
  try {
    await call;
  } catch (e) {
    const err = e as { code: string; data?: Record<string, unknown> };
    return { code: err.code, error: String(err.data?.error ?? ''), data: err.data ?? {} };
  }
  throw new Error('expected the call to fail');
}

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await request(`${fake.url}${path}`, {
    method: 'POST',
    body,
    headers,
    headersTimeout: 5000,
    bodyTimeout: 5000,
  });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
}

beforeAll(async () => {
  fake = await startFakeSlack({
    usergroups: { S0APPROVE: ['U0AAA', 'U0BBB'] },
    users: { U0AAA: { name: 'ann' } },
  });
  client = clientFor(fake.botToken);
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

describe('auth', () => {
  it('answers auth.test for the bot token', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: 'U0BOT', bot_id: 'B0TEST', team_id: 'T0KONG001' });
    expect(fake.calls('auth.test')[0]?.headers.authorization).toBe('Bearer xoxb-test');
  });

  it('refuses a missing token with not_authed and a wrong one with invalid_auth', async () => {
    expect(await slackError(clientFor(undefined).auth.test())).toMatchObject({
      code: ErrorCode.PlatformError,
      error: 'not_authed',
    });
    expect(
      (await slackError(clientFor('xoxb-wrong').chat.postMessage({ channel: CH, text: 'x' }))).error,
    ).toBe('invalid_auth');
    expect(fake.messages(CH)).toHaveLength(0);
  });

  it('answers unknown methods with unknown_method', async () => {
    expect((await slackError(client.apiCall('chat.nosuch', {}))).error).toBe('unknown_method');
  });
});

describe('chat.postMessage and threads', () => {
  it('posts with a unique increasing ts and keeps top-level messages and thread replies apart', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*prod-7* backup' } }];
    const first = await client.chat.postMessage({ channel: CH, text: 'Run prod-7', blocks });
    const second = await client.chat.postMessage({ channel: CH, text: 'second' });
    expect(first).toMatchObject({
      ok: true,
      channel: CH,
      message: { text: 'Run prod-7', bot_id: 'B0TEST', blocks },
    });
    const ts1 = first.ts ?? '';
    expect(ts1).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(ts1));

    const reply = await client.chat.postMessage({ channel: CH, thread_ts: ts1, text: 'backup 10 %' });
    expect(reply.message?.thread_ts).toBe(ts1);
    // A reply to a reply lands in the same thread, as Slack threads one level deep.
    await client.chat.postMessage({ channel: CH, thread_ts: reply.ts ?? '', text: 'backup 20 %' });

    expect(fake.messages(CH).map((m) => m.text)).toEqual(['Run prod-7', 'second']);
    expect(fake.thread(CH, ts1).map((m) => m.text)).toEqual(['backup 10 %', 'backup 20 %']);
    expect(fake.messages(CH)[0]?.blocks).toEqual(blocks);
    // The form field `blocks` was JSON-decoded when recorded.
    expect(fake.calls('chat.postMessage')[0]?.params.blocks).toEqual(blocks);
  });

  it('refuses unknown threads, empty messages and bad channels', async () => {
    expect(
      (await slackError(client.chat.postMessage({ channel: CH, thread_ts: '1.000001', text: 'x' }))).error,
    ).toBe('thread_not_found');
    expect((await slackError(client.chat.postMessage({ channel: CH, text: '' }))).error).toBe('no_text');
    expect((await slackError(client.chat.postMessage({ channel: 'not-a-channel', text: 'x' }))).error).toBe(
      'channel_not_found',
    );
    fake.setChannel('C0ARCHIVE', { isArchived: true });
    expect((await slackError(client.chat.postMessage({ channel: 'C0ARCHIVE', text: 'x' }))).error).toBe(
      'is_archived',
    );
    fake.setChannel('G0SECRET', { isMember: false });
    expect((await slackError(client.chat.postMessage({ channel: 'G0SECRET', text: 'x' }))).error).toBe(
      'not_in_channel',
    );
    expect(fake.messages(CH)).toHaveLength(0);
  });

  it('in strict mode knows only the configured channels and users', async () => {
    const strict = await startFakeSlack({ strict: true, channels: { C0KNOWN: { name: 'ops' } } });
    try {
      const c = new WebClient('xoxb-test', { slackApiUrl: strict.apiUrl, retryConfig: { retries: 0 } });
      expect((await c.chat.postMessage({ channel: 'C0KNOWN', text: 'x' })).ok).toBe(true);
      expect((await slackError(c.chat.postMessage({ channel: 'C0OTHER', text: 'x' }))).error).toBe(
        'channel_not_found',
      );
      expect((await slackError(c.users.info({ user: 'U0NOBODY' }))).error).toBe('user_not_found');
    } finally {
      await strict.close();
    }
  });
});

describe('chat.update', () => {
  it('keeps the history of updates and follows Slack on text-only updates', async () => {
    const blocks = [
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Approve' } }] },
    ];
    const { ts } = await client.chat.postMessage({ channel: CH, text: 'gate', blocks });
    const newBlocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'approved' } }];
    const res = await client.chat.update({ channel: CH, ts: ts ?? '', text: 'approved', blocks: newBlocks });
    expect(res).toMatchObject({ ok: true, channel: CH, ts, text: 'approved' });
    // Text without blocks removes the blocks (the "lost buttons" pitfall, slack.md §4.1).
    await client.chat.update({ channel: CH, ts: ts ?? '', text: 'text only' });
    const m = fake.message(CH, ts ?? '');
    expect(m?.updates.map((u) => [u.text, u.blocks])).toEqual([
      ['approved', newBlocks],
      ['text only', null],
    ]);
    expect(m?.text).toBe('text only');
    expect(m?.blocks).toBeNull();
  });

  it('answers message_not_found for an unknown ts or an ephemeral, and msg_too_long over 4,000 chars', async () => {
    expect((await slackError(client.chat.update({ channel: CH, ts: '1.000001', text: 'x' }))).error).toBe(
      'message_not_found',
    );
    const eph = await client.chat.postEphemeral({ channel: CH, user: 'U0AAA', text: 'only you' });
    expect(
      (await slackError(client.chat.update({ channel: CH, ts: eph.message_ts ?? '', text: 'x' }))).error,
    ).toBe('message_not_found');
    const { ts } = await client.chat.postMessage({ channel: CH, text: 'x' });
    expect(
      (await slackError(client.chat.update({ channel: CH, ts: ts ?? '', text: 'y'.repeat(4001) }))).error,
    ).toBe('msg_too_long');
    expect((await client.chat.update({ channel: CH, ts: ts ?? '', text: 'y'.repeat(4000) })).ok).toBe(true);
  });
});

describe('ephemerals, permalinks, conversations, usergroups, users', () => {
  it('posts ephemerals with message_ts only and lists them per user', async () => {
    const res = await client.chat.postEphemeral({ channel: CH, user: 'U0AAA', text: 'not an approver' });
    expect(res.ok).toBe(true);
    expect(res.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(res).not.toHaveProperty('ts');
    await client.chat.postEphemeral({ channel: CH, user: 'U0BBB', text: 'other' });
    expect(fake.ephemerals('U0AAA').map((e) => e.text)).toEqual(['not an approver']);
    expect(fake.ephemerals()).toHaveLength(2);
    expect(fake.messages(CH)).toHaveLength(0);
  });

  it('gives permalinks for messages and thread replies', async () => {
    const { ts } = await client.chat.postMessage({ channel: CH, text: 'card' });
    const reply = await client.chat.postMessage({ channel: CH, text: 'r', thread_ts: ts ?? '' });
    const link = await client.chat.getPermalink({ channel: CH, message_ts: ts ?? '' });
    expect(link.permalink).toBe(`https://acme.slack.com/archives/${CH}/p${(ts ?? '').replace('.', '')}`);
    const replyLink = await client.chat.getPermalink({ channel: CH, message_ts: reply.ts ?? '' });
    expect(replyLink.permalink).toContain(`?thread_ts=${ts}&cid=${CH}`);
    expect((await slackError(client.chat.getPermalink({ channel: CH, message_ts: '9.000009' }))).error).toBe(
      'message_not_found',
    );
  });

  it('describes channels and lists usergroup members', async () => {
    fake.setChannel('G0PRIV', { name: 'secret-ops' });
    const info = await client.conversations.info({ channel: 'G0PRIV' });
    expect(info.channel).toMatchObject({
      id: 'G0PRIV',
      name: 'secret-ops',
      is_private: true,
      is_member: true,
    });
    expect((await slackError(client.conversations.info({ channel: 'bad' }))).error).toBe('channel_not_found');

    expect((await client.usergroups.users.list({ usergroup: 'S0APPROVE' })).users).toEqual([
      'U0AAA',
      'U0BBB',
    ]);
    fake.setUsergroup('S0APPROVE', ['U0CCC']);
    expect((await client.usergroups.users.list({ usergroup: 'S0APPROVE' })).users).toEqual(['U0CCC']);
    expect((await slackError(client.usergroups.users.list({ usergroup: 'S0NOPE' }))).error).toBe(
      'no_such_subteam',
    );

    expect((await client.users.info({ user: 'U0AAA' })).user).toMatchObject({ id: 'U0AAA', name: 'ann' });
    expect((await slackError(client.users.info({ user: 'nobody' }))).error).toBe('user_not_found');
  });
});

describe('files upload v2', () => {
  it('runs getUploadURLExternal → upload → completeUploadExternal for filesUploadV2 and keeps the bytes', async () => {
    const { ts } = await client.chat.postMessage({ channel: CH, text: 'gate' });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10, 0x00]);
    const res = await client.filesUploadV2({
      channel_id: CH,
      thread_ts: ts ?? '',
      file: png,
      filename: 'compare.png',
      title: 'X vs Y',
      initial_comment: 'comparison at 25 %',
      alt_text: 'chart',
    });
    expect(fake.calls().map((c) => c.method)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ]);
    expect(fake.calls('files.getUploadURLExternal')[0]?.params).toMatchObject({
      filename: 'compare.png',
      length: '12',
    });
    const [file] = fake.files();
    expect(file).toMatchObject({
      filename: 'compare.png',
      title: 'X vs Y',
      altText: 'chart',
      completed: true,
      channel: CH,
      threadTs: ts,
      initialComment: 'comparison at 25 %',
      declaredLength: 12,
    });
    expect(file?.bytes?.equals(png)).toBe(true);
    expect(file?.uploadContentType).toMatch(/^multipart\/form-data/);
    const completed = (res as unknown as { files: Array<{ files: Array<{ id: string }> }> }).files;
    expect(completed[0]?.files[0]?.id).toBe(file?.id);
    // The share shows up in the thread, not in the channel.
    expect(fake.thread(CH, ts ?? '')).toMatchObject([{ fileIds: [file?.id], text: 'comparison at 25 %' }]);
    expect(fake.messages(CH)).toHaveLength(1);
  });

  it('accepts raw bytes on the upload URL too, as Slack does', async () => {
    const url = await client.files.getUploadURLExternal({ filename: 'a.txt', length: 3 });
    const up = await post(new URL(url.upload_url ?? '').pathname, 'abc', {
      'content-type': 'application/octet-stream',
    });
    expect(up).toMatchObject({ status: 200, text: 'OK - 3' });
    expect(fake.files()[0]?.bytes?.toString()).toBe('abc');
  });

  it('refuses missing arguments, unknown or not-uploaded files and unknown upload URLs', async () => {
    const missing = await slackError(client.apiCall('files.getUploadURLExternal', { filename: 'a.png' }));
    expect(missing.error).toBe('invalid_arguments');
    const url = await client.files.getUploadURLExternal({ filename: 'a.png', length: 3 });
    const notUploaded = client.files.completeUploadExternal({
      files: [{ id: url.file_id ?? '' }],
      channel_id: CH,
    });
    expect((await slackError(notUploaded)).error).toBe('file_not_found');
    const unknown = client.files.completeUploadExternal({ files: [{ id: 'F0NOPE' }], channel_id: CH });
    expect((await slackError(unknown)).error).toBe('file_not_found');
    expect((await post('/upload/F0NOPE', 'abc', { 'content-type': 'application/octet-stream' })).status).toBe(
      404,
    );
    expect(fake.files().every((f) => !f.completed)).toBe(true);
  });

  it('makes filesUploadV2 fail when the upload POST fails', async () => {
    fake.failNext('upload', { status: 500 });
    await expect(
      client.filesUploadV2({ channel_id: CH, file: Buffer.from('x'), filename: 'x.png' }),
    ).rejects.toMatchObject({ code: ErrorCode.HTTPError });
    expect(fake.calls('files.completeUploadExternal')).toHaveLength(0);
  });
});

describe('Block Kit and text limits', () => {
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

  it('accepts 50 blocks and section text of 3,000 chars, refuses 51 blocks and 3,001 chars', async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => section(`row ${i}`));
    expect((await client.chat.postMessage({ channel: CH, text: 'x', blocks: fifty })).ok).toBe(true);
    expect(
      (await client.chat.postMessage({ channel: CH, text: 'x', blocks: [section('a'.repeat(3000))] })).ok,
    ).toBe(true);

    const tooMany = await slackError(
      client.chat.postMessage({ channel: CH, text: 'x', blocks: [...fifty, section('51')] }),
    );
    expect(tooMany.error).toBe('invalid_blocks');
    expect(tooMany.data.response_metadata).toEqual({
      messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'],
    });
    const tooLong = await slackError(
      client.chat.postMessage({ channel: CH, text: 'x', blocks: [section('a'.repeat(3001))] }),
    );
    expect(tooLong.error).toBe('invalid_blocks');
    expect(JSON.stringify(tooLong.data)).toContain('/blocks/0/text/text');
    expect(fake.messages(CH)).toHaveLength(2);
  });

  it('checks buttons, headers, fields and malformed blocks', async () => {
    const button = (extra: Record<string, unknown>) => ({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Approve' }, action_id: 'a', ...extra }],
    });
    const cases: unknown[][] = [
      [button({ value: 'v'.repeat(2001) })],
      [button({ action_id: 'a'.repeat(256) })],
      [button({ text: { type: 'plain_text', text: 't'.repeat(76) } })],
      [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      [{ type: 'section', text: { type: 'mrkdwn', text: '' } }],
      [{ text: 'no type' }],
      [{ type: 'actions', elements: [] }],
    ];
    for (const blocks of cases) {
      const res = await slackError(
        client.chat.postMessage({ channel: CH, text: 'x', blocks: blocks as never }),
      );
      expect(res.error, JSON.stringify(blocks).slice(0, 80)).toBe('invalid_blocks');
    }
    expect(
      (
        await client.chat.postMessage({
          channel: CH,
          text: 'x',
          blocks: [button({ value: 'v'.repeat(2000) })],
        })
      ).ok,
    ).toBe(true);
  });

  it('answers invalid_blocks_format for blocks that are not a JSON array, msg_too_long over 40,000 chars', async () => {
    const auth = {
      authorization: `Bearer ${fake.botToken}`,
      'content-type': 'application/x-www-form-urlencoded',
    };
    const res = await post('/api/chat.postMessage', `channel=${CH}&text=x&blocks=%7Bnot+json`, auth);
    expect(JSON.parse(res.text)).toEqual({ ok: false, error: 'invalid_blocks_format' });
    expect((await slackError(client.chat.postMessage({ channel: CH, text: 'z'.repeat(40_001) }))).error).toBe(
      'msg_too_long',
    );
    expect((await client.chat.postMessage({ channel: CH, text: 'z'.repeat(40_000) })).ok).toBe(true);
  });

  it('also takes JSON bodies, as Slack does for POST with a bearer token', async () => {
    const res = await post(
      '/api/chat.postMessage',
      JSON.stringify({ channel: CH, text: 'json', blocks: [section('j')] }),
      {
        authorization: `Bearer ${fake.botToken}`,
        'content-type': 'application/json; charset=utf-8',
      },
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ ok: true, channel: CH });
    expect(fake.messages(CH)[0]?.blocks).toEqual([section('j')]);
  });
});

describe('faults', () => {
  it('answers a queued error once, then behaves again', async () => {
    fake.failNext('chat.postMessage', 'not_in_channel');
    expect((await slackError(client.chat.postMessage({ channel: CH, text: 'x' }))).error).toBe(
      'not_in_channel',
    );
    expect((await client.chat.postMessage({ channel: CH, text: 'x' })).ok).toBe(true);
    expect(fake.calls('chat.postMessage')).toHaveLength(2);
  });

  it('sends 429 with Retry-After, which the WebClient honours before retrying', async () => {
    const retrying = clientFor(fake.botToken, { retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 10 } });
    const rateLimited: number[] = [];
    retrying.on(WebClientEvent.RATE_LIMITED, (sec: number) => rateLimited.push(sec));
    fake.failNext('chat.update', { status: 429, retryAfter: 1 });
    const { ts } = await retrying.chat.postMessage({ channel: CH, text: 'x' });
    const res = await retrying.chat.update({ channel: CH, ts: ts ?? '', text: 'y' });
    expect(res.ok).toBe(true);
    const [first, second] = fake.calls('chat.update');
    expect(rateLimited).toEqual([1]);
    expect((second?.at.getTime() ?? 0) - (first?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(950);
    expect(fake.message(CH, ts ?? '')?.updates).toHaveLength(1);
  });

  it('lets rejectRateLimitedCalls surface the 429 with its retryAfter', async () => {
    const rejecting = clientFor(fake.botToken, { rejectRateLimitedCalls: true });
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    await expect(rejecting.chat.postMessage({ channel: CH, text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
    expect(fake.messages(CH)).toHaveLength(0);
  });

  it('can answer with any HTTP status or answer late', async () => {
    fake.failNext('auth.test', { status: 503 });
    await expect(client.auth.test()).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    fake.failNext('auth.test', { delayMs: 300 });
    const impatient = clientFor(fake.botToken, { timeout: 50 });
    await expect(impatient.auth.test()).rejects.toMatchObject({ code: ErrorCode.RequestError });
  });
});

describe('fault injection', () => {
  it('answers seeded random 429s (with Retry-After) and 500s at the configured rates, replayably', async () => {
    const rejecting = clientFor(fake.botToken, { rejectRateLimitedCalls: true });
    const draw = async () => {
      fake.reset();
      fake.setRandomFaults({ seed: 42, rate429: 0.2, rate500: 0.05, retryAfterSeconds: [1, 3] });
      const outcomes: string[] = [];
      for (let i = 0; i < 200; i += 1) {
        const err = await rejecting.auth.test().then(
          () => null,
          (e: { code?: string; retryAfter?: number; statusCode?: number }) => e,
        );
        outcomes.push(err === null ? 'ok' : String(err.statusCode ?? err.code));
      }
      return outcomes;
    };
    const first = await draw();
    const again = await draw();
    expect(again).toEqual(first);
    const limited = first.filter((o) => o === ErrorCode.RateLimitedError).length;
    const failed = first.filter((o) => o === '500').length;
    expect(limited).toBeGreaterThan(20);
    expect(limited).toBeLessThan(60);
    expect(failed).toBeGreaterThan(2);
    expect(failed).toBeLessThan(25);
    fake.setRandomFaults(null);
    expect((await client.auth.test()).ok).toBe(true);
  });

  it('fails a method every time until cleared, and spares methods listed as exceptions', async () => {
    fake.failAlways('chat.update', 'is_archived');
    const { ts } = await client.chat.postMessage({ channel: CH, text: 'x' });
    for (let i = 0; i < 3; i += 1)
      expect((await slackError(client.chat.update({ channel: CH, ts: ts ?? '', text: 'y' }))).error).toBe(
        'is_archived',
      );
    fake.failAlways('chat.update', null);
    expect((await client.chat.update({ channel: CH, ts: ts ?? '', text: 'y' })).ok).toBe(true);
    fake.setRandomFaults({ seed: 1, rate429: 1, rate500: 0, except: ['auth.test'] });
    expect((await client.auth.test()).ok).toBe(true);
  });

  it('deletes a message as a person would: updates then answer message_not_found', async () => {
    const { ts } = await client.chat.postMessage({ channel: CH, text: 'live numbers' });
    expect(fake.deleteMessage(CH, ts ?? '')).toBe(true);
    expect((await slackError(client.chat.update({ channel: CH, ts: ts ?? '', text: 'y' }))).error).toBe(
      'message_not_found',
    );
    expect(fake.messages(CH)).toHaveLength(0);
  });

  it('refuses posts in an archived channel (is_archived) and where the bot is not a member (not_in_channel)', async () => {
    fake.setChannel('C0ARCHIVE1', { isArchived: true });
    fake.setChannel('C0NOTMINE1', { isMember: false });
    expect((await slackError(client.chat.postMessage({ channel: 'C0ARCHIVE1', text: 'x' }))).error).toBe(
      'is_archived',
    );
    expect((await slackError(client.chat.postMessage({ channel: 'C0NOTMINE1', text: 'x' }))).error).toBe(
      'not_in_channel',
    );
  });
});

describe('response_url', () => {
  const json = { 'content-type': 'application/json' };

  it('records bodies and, knowing the click context, replaces the original message', async () => {
    const { ts } = await client.chat.postMessage({ channel: CH, text: 'gate', blocks: [] as never });
    const url = fake.responseUrl('click-1', { channel: CH, messageTs: ts ?? '', userId: 'U0AAA' });
    const path = new URL(url).pathname;
    const replaced = { replace_original: true, text: 'approved by ann', blocks: [] };
    expect((await post(path, JSON.stringify(replaced), json)).status).toBe(200);
    await post(path, JSON.stringify({ response_type: 'ephemeral', text: 'you are not an approver' }), json);
    await post(path, JSON.stringify({ response_type: 'in_channel', text: 'for everyone' }), json);
    expect(fake.responses('click-1').map((r) => r.body)).toEqual([
      replaced,
      { response_type: 'ephemeral', text: 'you are not an approver' },
      { response_type: 'in_channel', text: 'for everyone' },
    ]);
    expect(fake.message(CH, ts ?? '')?.text).toBe('approved by ann');
    expect(fake.ephemerals('U0AAA').map((e) => e.text)).toEqual(['you are not an approver']);
    expect(fake.messages(CH).map((m) => m.text)).toEqual(['approved by ann', 'for everyone']);
    await post(path, JSON.stringify({ delete_original: true }), json);
    expect(fake.message(CH, ts ?? '')).toBeUndefined();
  });

  it('allows five uses, then answers 404 used_url; refuses bodies that are not JSON', async () => {
    const path = new URL(fake.responseUrl()).pathname;
    for (let i = 0; i < 5; i++) expect((await post(path, '{"text":"ok"}', json)).status).toBe(200);
    const sixth = await post(path, '{"text":"too many"}', json);
    expect(sixth.status).toBe(404);
    expect(JSON.parse(sixth.text)).toEqual({ ok: false, error: 'used_url' });
    expect((await post(path, 'not json', json)).status).toBe(400);
    expect(fake.responses()).toHaveLength(5);
  });
});

describe('helpers', () => {
  it('waitFor resolves with the first truthy value and rejects on timeout naming the calls seen', async () => {
    setTimeout(() => void client.chat.postMessage({ channel: CH, text: 'later' }), 30);
    const m = await fake.waitFor(() => fake.messages(CH)[0], 2000);
    expect(m.text).toBe('later');
    await expect(fake.waitFor(() => fake.messages('C0EMPTY')[0], 50)).rejects.toThrow(
      /within 50 ms.*chat\.postMessage/,
    );
  });

  it('reset forgets state and queued faults', async () => {
    await client.chat.postMessage({ channel: CH, text: 'x' });
    fake.failNext('chat.postMessage', 'fatal_error');
    fake.reset();
    expect(fake.messages(CH)).toHaveLength(0);
    expect(fake.calls()).toHaveLength(0);
    expect((await client.chat.postMessage({ channel: CH, text: 'y' })).ok).toBe(true);
  });
});
