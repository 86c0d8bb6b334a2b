import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type Logger, LogLevel, type SlashCommand } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { createSlackRequester, type SlackRequester } from '../support/slack-requests.js';

const SECRET = 'test-signing-secret';
const CH = 'C0OPS0001';

const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

let fake: FakeSlack;
let app: App;
let server: Server;
let slack: SlackRequester;
const commands: SlashCommand[] = [];
const clicks: Array<{ userId: string; actionId: string; value: string | undefined }> = [];

/** A real Bolt app on HTTPReceiver verifies what the requester sends, as the bot will. */
beforeAll(async () => {
  fake = await startFakeSlack();
  app = new App({
    token: fake.botToken,
    signingSecret: SECRET,
    botId: 'B0TEST',
    botUserId: 'U0BOT',
    logger: quiet,
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command('/kong-upgrade', async ({ command, ack, respond }) => {
    commands.push(command);
    await ack({ text: `got ${command.text}` });
    await respond({ text: 'done' });
  });
  app.action('gate_approve', async ({ ack, body, action, respond }) => {
    await ack();
    clicks.push({
      userId: body.user.id,
      actionId: 'action_id' in action ? action.action_id : '',
      value: 'value' in action && typeof action.value === 'string' ? action.value : undefined,
    });
    await respond({ replace_original: true, text: `approved by <@${body.user.id}>` });
  });
  server = (await app.start(0)) as Server;
  const port = (server.address() as AddressInfo).port;
  slack = createSlackRequester({
    botUrl: `http://127.0.0.1:${port}/slack/events`,
    signingSecret: SECRET,
    responseUrlFor: (ctx) => fake.responseUrl(undefined, ctx),
  });
});
afterAll(async () => {
  await app.stop();
  await fake.close();
});
beforeEach(() => {
  commands.length = 0;
  clicks.length = 0;
  fake.reset();
});

describe('slash commands', () => {
  it('are accepted by Bolt with every field Slack sends, and their response_url reaches the fake', async () => {
    const reply = await slack.slashCommand({ text: 'status prod-7', userId: 'U0BOB0001', channelId: CH });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ text: 'got status prod-7' });
    expect(reply.request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({
      command: '/kong-upgrade',
      text: 'status prod-7',
      user_id: 'U0BOB0001',
      channel_id: CH,
      team_id: 'T0KONG001',
      is_enterprise_install: 'false',
      response_url: reply.responseUrl,
    });
    const [response] = await fake.waitFor(() => fake.responses().length === 1 && fake.responses());
    expect(response?.body).toMatchObject({ text: 'done' });
    // The command's own response goes to the user who typed it (ephemeral by default).
    expect(fake.ephemerals('U0BOB0001').map((e) => e.text)).toEqual(['done']);
  });

  it('are refused with 401 and reach no handler when the signature is wrong or missing or the timestamp is old', async () => {
    for (const opts of [{ sign: 'bad' as const }, { sign: 'none' as const }, { oldTimestamp: true }]) {
      const reply = await slack.slashCommand({ text: 'abort prod-7', ...opts });
      expect(reply.status, JSON.stringify(opts)).toBe(401);
    }
    expect(commands).toHaveLength(0);
    expect(fake.responses()).toHaveLength(0);
  });

  it('can be replayed byte for byte (Bolt accepts a replay within 5 minutes) but not tampered with', async () => {
    const first = await slack.slashCommand({ text: 'list' });
    const replay = await slack.replay(first.request);
    expect(replay.status).toBe(200);
    expect(commands.map((c) => c.text)).toEqual(['list', 'list']);
    const tampered = await slack.replay({
      ...first.request,
      body: first.request.body.replace('list', 'abort'),
    });
    expect(tampered.status).toBe(401);
    expect(commands).toHaveLength(2);
  });
});

describe('button clicks', () => {
  it('carry the clicker, action and value; respond() replaces the clicked message', async () => {
    const { ts } = await app.client.chat.postMessage({ channel: CH, text: 'Approve 25 %?' });
    const reply = await slack.clickButton({
      userId: 'U0CAROL01',
      actionId: 'gate_approve',
      value: 'gate-42',
      messageTs: ts ?? '',
      channelId: CH,
    });
    expect(reply.status).toBe(200);
    expect(clicks).toEqual([{ userId: 'U0CAROL01', actionId: 'gate_approve', value: 'gate-42' }]);
    await fake.waitFor(() => fake.message(CH, ts ?? '')?.text === 'approved by <@U0CAROL01>');
    expect(fake.message(CH, ts ?? '')?.updates).toHaveLength(1);
  });

  it('with a bad signature are refused and change nothing', async () => {
    const reply = await slack.clickButton({
      userId: 'U0CAROL01',
      actionId: 'gate_approve',
      messageTs: '1.000001',
      sign: 'bad',
    });
    expect(reply.status).toBe(401);
    expect(clicks).toHaveLength(0);
  });
});

describe('createSlackRequester', () => {
  it('needs somewhere to point response_url', async () => {
    const bare = createSlackRequester({ botUrl: 'http://127.0.0.1:9/slack/events', signingSecret: SECRET });
    await expect(bare.slashCommand({ text: 'help' })).rejects.toThrow(/responseUrlBase or responseUrlFor/);
  });

  it('builds response_url from a base when given one', async () => {
    const port = (server.address() as AddressInfo).port;
    const based = createSlackRequester({
      botUrl: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SECRET,
      responseUrlBase: `${fake.url}/response/`,
    });
    const reply = await based.slashCommand({ text: 'help' });
    expect(reply.status).toBe(200);
    expect(reply.responseUrl.startsWith(`${fake.url}/response/`)).toBe(true);
    await fake.waitFor(() => fake.responses().length === 1);
  });
});
