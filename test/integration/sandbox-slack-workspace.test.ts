import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type BlockAction, type Logger, LogLevel, type SlashCommand } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSlackWorkspace } from '../../src/sandbox/slack-workspace/start-slack-workspace.js';
import type {
  SandboxStatus,
  SlackWorkspace,
  SlackWorkspaceOptions,
  YFaults,
} from '../../src/sandbox/slack-workspace/workspace-types.js';

const SECRET = 'sandbox-signing-secret';
const CH = 'C0SANDBOX1';
const RILEY = 'U0SBREQ';
const ALEX = 'U0SBAPP';

const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

const approveButton: Record<string, unknown> = {
  type: 'button',
  action_id: 'gate.approve',
  text: { type: 'plain_text', text: 'Approve' },
  style: 'primary',
  value: 'gate-42',
  confirm: {
    title: { type: 'plain_text', text: 'Are you sure?' },
    text: { type: 'mrkdwn', text: 'Send *25 %* to Y' },
    confirm: { type: 'plain_text', text: 'Approve' },
    deny: { type: 'plain_text', text: 'Cancel' },
  },
};

let ws: SlackWorkspace;
let app: App;
let server: Server;
let botUrl: string;
let web: WebClient;
const commands: SlashCommand[] = [];
const clicks: BlockAction[] = [];
let faults: YFaults = { errorRatio: 0, addedLatencyMs: 0 };

let routes: string[] | undefined;
let outOfSync = false;

const controls = {
  async setYFaults(f: YFaults) {
    faults = { ...faults, ...f };
  },
  async setDataPlaneOutOfSync(on: boolean) {
    outOfSync = on;
  },
  async status(): Promise<SandboxStatus> {
    return {
      split: { x: 90, y: 10 },
      rates: { x: 9, y: 1 },
      faults,
      ...(routes ? { routes } : {}),
      dataPlaneOutOfSync: outOfSync,
    };
  },
};

async function startWorkspace(extra: Partial<SlackWorkspaceOptions['page']> = {}): Promise<SlackWorkspace> {
  return startSlackWorkspace({
    page: { botUrl, signingSecret: SECRET, controls, ...extra },
  });
}

async function call(base: SlackWorkspace, path: string, body?: unknown) {
  const res = await request(`${base.url}/sandbox/api${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headersTimeout: 5000,
    bodyTimeout: 5000,
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: JSON.parse(text) as Record<string, unknown> };
}

interface Item {
  ts: string;
  html: string;
  ephemeral: boolean;
  author: string;
  replyCount: number;
}
async function view(user: string, base = ws) {
  const { status, json } = await call(base, `/state?user=${user}`);
  expect(status).toBe(200);
  return json as unknown as { timeline: Item[]; threads: Record<string, Item[]> };
}

/** A real Bolt app on HTTPReceiver verifies every request the page sends, as the bot does. */
beforeAll(async () => {
  ws = await startWorkspace({ botUrl: () => botUrl });
  app = new App({
    token: ws.botToken,
    signingSecret: SECRET,
    botId: 'B0TEST',
    botUserId: 'U0BOT',
    logger: quiet,
    clientOptions: { slackApiUrl: ws.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command('/kong-upgrade', async ({ command, ack, client }) => {
    commands.push(command);
    if (command.text === 'loud') return ack({ response_type: 'in_channel', text: 'For everyone' });
    if (command.text === 'silent') return ack();
    await ack({ response_type: 'ephemeral', text: `Starting *${command.text}*` });
    if (command.text.startsWith('start')) {
      await client.chat.postMessage({
        channel: command.channel_id,
        text: 'Gate: 25 %',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'Gate for <@U0SBREQ>: *25 %*' } },
          { type: 'actions', block_id: 'gate.gate-42', elements: [approveButton] },
        ] as never,
      });
    }
  });
  app.action('gate.approve', async ({ ack, body, respond }) => {
    await ack();
    clicks.push(body as BlockAction);
    await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
  });
  server = (await app.start(0)) as Server;
  botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  web = new WebClient(ws.botToken, { slackApiUrl: ws.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
});
afterAll(async () => {
  await app.stop();
  await ws.close();
});
beforeEach(() => {
  commands.length = 0;
  clicks.length = 0;
  ws.reset();
});

describe('the page', () => {
  it('is served at /sandbox with its test ids, and only when the workspace has a page', async () => {
    const res = await request(`${ws.url}/sandbox`, { headersTimeout: 5000, bodyTimeout: 5000 });
    const html = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    for (const id of ['command-input', 'user-picker', 'confirm-dialog', 'confirm-ok', 'split-display'])
      expect(html).toContain(`data-testid="${id}"`);
    const bare = await startSlackWorkspace();
    try {
      const none = await request(`${bare.url}/sandbox`, { headersTimeout: 5000, bodyTimeout: 5000 });
      await none.body.text();
      expect(none.statusCode).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it('lists the sandbox users and the channel', async () => {
    const { json } = await call(ws, '/config');
    expect(json).toMatchObject({ channel: CH, command: '/kong-upgrade', controls: true });
    expect((json.users as Array<{ id: string }>).map((u) => u.id)).toEqual([
      RILEY,
      ALEX,
      'U0SBAP2',
      'U0SBWAT',
    ]);
  });
});

describe('commands typed on the page', () => {
  it('reach the bot signed (Bolt verifies them) as the chosen user, and the ack is shown only to them', async () => {
    const out = await call(ws, '/command', { user: RILEY, text: 'status prod-1' });
    expect(out).toMatchObject({ status: 200, json: { ok: true, status: 200 } });
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({
      command: '/kong-upgrade',
      text: 'status prod-1',
      user_id: RILEY,
      user_name: 'riley',
      channel_id: CH,
      team_id: 'T0KONG001',
    });
    expect(commands[0]?.response_url).toMatch(new RegExp(`^${ws.url}/response/`));
    const riley = await view(RILEY);
    expect(riley.timeline).toHaveLength(1);
    expect(riley.timeline[0]).toMatchObject({ ephemeral: true, author: 'kong-upgrade' });
    expect(riley.timeline[0]?.html).toContain('Starting <b>status prod-1</b>');
    expect((await view(ALEX)).timeline).toEqual([]);
  });

  it('show an in_channel ack to everyone, and nothing for an empty ack', async () => {
    await call(ws, '/command', { user: RILEY, text: 'loud' });
    await call(ws, '/command', { user: RILEY, text: 'silent' });
    expect(commands.map((c) => c.text)).toEqual(['loud', 'silent']);
    const alex = await view(ALEX);
    expect(alex.timeline.map((i) => [i.ephemeral, i.html])).toEqual([
      [false, expect.stringContaining('For everyone')],
    ]);
    expect(ws.messages(CH).map((m) => m.text)).toEqual(['For everyone']);
  });

  it('are refused by the bot when signed with the wrong secret, which Slackbot reports to the user', async () => {
    const wrong = await startWorkspace({ botUrl, signingSecret: `${SECRET}-wrong` });
    try {
      const out = await call(wrong, '/command', { user: RILEY, text: 'status' });
      expect(out.json).toMatchObject({ ok: false, error: 'dispatch_failed', status: 401 });
      expect(commands).toHaveLength(0);
      const riley = await view(RILEY, wrong);
      expect(riley.timeline[0]).toMatchObject({ author: 'Slackbot', ephemeral: true });
      expect(riley.timeline[0]?.html).toContain('failed with the error &quot;dispatch_failed&quot;');
    } finally {
      await wrong.close();
    }
  });

  it('time out like Slack when the bot does not answer in time, and fail when it is down', async () => {
    const slow = createServer((_req, res) => void setTimeout(() => res.end(), 1000));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slack/events`;
    const late = await startWorkspace({ botUrl: slowUrl, ackTimeoutMs: 150 });
    const down = await startWorkspace({ botUrl: 'http://127.0.0.1:9/slack/events' });
    try {
      expect((await call(late, '/command', { user: RILEY, text: 'x' })).json).toMatchObject({
        ok: false,
        error: 'operation_timeout',
      });
      expect((await call(down, '/command', { user: RILEY, text: 'x' })).json).toMatchObject({
        ok: false,
        error: 'dispatch_failed',
      });
      expect((await view(RILEY, down)).timeline[0]?.author).toBe('Slackbot');
    } finally {
      slow.closeAllConnections();
      slow.close();
      await Promise.all([late.close(), down.close()]);
    }
  });

  it('refuse unknown users and malformed bodies without calling the bot', async () => {
    expect((await call(ws, '/command', { user: 'U0STRANGER', text: 'x' })).status).toBe(400);
    expect((await call(ws, '/command', { user: RILEY })).status).toBe(400);
    expect((await call(ws, '/state?user=U0STRANGER')).status).toBe(400);
    expect(commands).toHaveLength(0);
  });
});

describe('button clicks', () => {
  async function postGate(): Promise<string> {
    await call(ws, '/command', { user: RILEY, text: 'start prod' });
    const gate = await ws.waitFor(() => ws.messages(CH).find((m) => m.text === 'Gate: 25 %'));
    return gate.ts;
  }

  it('render with their confirm dialog, and reach the bot as the selected user with the message context', async () => {
    const ts = await postGate();
    const [item] = (await view(ALEX)).timeline;
    expect(item?.html).toContain('data-action-id="gate.approve"');
    expect(item?.html).toContain('class="btn btn-primary"');
    expect(item?.html).toContain('&quot;title&quot;:&quot;Are you sure?&quot;');
    // The confirm text is rendered too, escaped once more inside the attribute.
    expect(item?.html).toContain('Send &lt;b&gt;25 %&lt;/b&gt; to Y');
    expect(item?.html).toContain('@riley');

    const out = await call(ws, '/action', {
      user: ALEX,
      ts,
      actionId: 'gate.approve',
      blockId: 'gate.gate-42',
    });
    expect(out).toMatchObject({ status: 200, json: { ok: true } });
    expect(clicks).toHaveLength(1);
    const click = clicks[0];
    expect(click?.user.id).toBe(ALEX);
    expect(click?.container).toMatchObject({ message_ts: ts, channel_id: CH, is_ephemeral: false });
    expect(click?.actions[0]).toMatchObject({
      action_id: 'gate.approve',
      value: 'gate-42',
      block_id: 'gate.gate-42',
    });
    expect(click?.message?.blocks).toEqual(ws.calls('chat.postMessage')[0]?.params.blocks);
    // The bot's respond({replace_original}) went through the real response_url back to the message.
    await ws.waitFor(() => ws.message(CH, ts)?.text.startsWith('Approved'));
    expect((await view(RILEY)).timeline.find((i) => i.ts === ts)?.html).toContain(
      'Approved by <span class="mention">@alex</span>',
    );
  });

  it('answer 404 for a button that is not on the message, and 400 for a malformed click', async () => {
    const ts = await postGate();
    expect((await call(ws, '/action', { user: ALEX, ts, actionId: 'gate.nope' })).status).toBe(404);
    expect((await call(ws, '/action', { user: ALEX, ts: '1.000001', actionId: 'gate.approve' })).status).toBe(
      404,
    );
    expect((await call(ws, '/action', { user: ALEX, ts: 'x', actionId: 'gate.approve' })).status).toBe(400);
    expect(clicks).toHaveLength(0);
  });

  it('on an ephemeral work only for its owner, and replace it for them', async () => {
    const { message_ts: ts = '' } = await web.chat.postEphemeral({
      channel: CH,
      user: RILEY,
      text: 'only riley',
      blocks: [{ type: 'actions', elements: [{ ...approveButton, confirm: undefined }] }] as never,
    });
    expect((await view(RILEY)).timeline[0]).toMatchObject({ ephemeral: true, ts });
    expect((await view(ALEX)).timeline).toEqual([]);
    expect(
      (await call(ws, '/action', { user: ALEX, ts, ephemeral: true, actionId: 'gate.approve' })).status,
    ).toBe(404);
    const out = await call(ws, '/action', { user: RILEY, ts, ephemeral: true, actionId: 'gate.approve' });
    expect(out.json).toMatchObject({ ok: true });
    expect(clicks[0]?.container).toMatchObject({ is_ephemeral: true, message_ts: ts });
    await ws.waitFor(() => ws.ephemerals(RILEY)[0]?.text.startsWith('Approved'));
    expect((await view(RILEY)).timeline[0]?.html).toContain('Approved by');
  });
});

describe('live updates', () => {
  it('the event stream announces a post, an update and a file share', async () => {
    const ac = new AbortController();
    const res = await request(`${ws.url}/sandbox/api/events`, { signal: ac.signal, headersTimeout: 5000 });
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    let seen = '';
    const reading = (async () => {
      try {
        for await (const chunk of res.body) seen += String(chunk);
      } catch {
        // aborted at the end of the test
      }
    })();
    const until = (needle: string) => ws.waitFor(() => seen.includes(needle), 3000);
    const { ts = '' } = await web.chat.postMessage({ channel: CH, text: 'card' });
    await until(`"kind":"message.posted","channel":"${CH}","ts":"${ts}"`);
    await web.chat.update({ channel: CH, ts, text: 'card v2' });
    await until(`"kind":"message.updated","channel":"${CH}","ts":"${ts}"`);
    const png = Buffer.from('89504e470d0a1a0a0000', 'hex');
    await web.filesUploadV2({
      channel_id: CH,
      thread_ts: ts,
      file: png,
      filename: 'chart.png',
      title: 'X vs Y',
    });
    await until('"kind":"file.shared"');
    expect(seen).toMatch(/^retry: 1000/);
    ac.abort();
    await reading;

    const v = await view(RILEY);
    expect(v.timeline[0]).toMatchObject({ ts, replyCount: 1 });
    expect(v.timeline[0]?.html).toContain('card v2');
    const [reply] = v.threads[ts] ?? [];
    const src = /src="([^"]+)"/.exec(reply?.html ?? '')?.[1] ?? '';
    expect(reply?.html).toContain('data-testid="file-image"');
    const img = await request(`${ws.url}${src}`, { headersTimeout: 5000, bodyTimeout: 5000 });
    expect(img.statusCode).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect(Buffer.from(await img.body.arrayBuffer()).equals(png)).toBe(true);
    expect((await call(ws, '/files/F0NOPE')).status).toBe(404);
  });
});

describe('controls', () => {
  it('show the split and rates and set faults on Y through the hooks, validating input', async () => {
    expect((await call(ws, '/controls')).json).toEqual({
      split: { x: 90, y: 10 },
      rates: { x: 9, y: 1 },
      faults: { errorRatio: 0, addedLatencyMs: 0 },
      dataPlaneOutOfSync: false,
    });
    const set = await call(ws, '/controls/faults', { errorRatio: 0.2, addedLatencyMs: 300 });
    expect(set.json).toMatchObject({ faults: { errorRatio: 0.2, addedLatencyMs: 300 } });
    expect(faults).toEqual({ errorRatio: 0.2, addedLatencyMs: 300 });
    expect((await call(ws, '/controls/faults', { errorRatio: 2, addedLatencyMs: 0 })).status).toBe(400);
    expect((await call(ws, '/controls/faults', { errorRatio: 0.1, addedLatencyMs: -1 })).status).toBe(400);
    expect(faults).toEqual({ errorRatio: 0.2, addedLatencyMs: 300 });
  });

  it('break one route on Y (404 or 500), only a route Y serves, and heal it; bad input changes nothing', async () => {
    routes = ['orders-route', 'users-route'];
    faults = { errorRatio: 0, addedLatencyMs: 0 };
    try {
      expect((await call(ws, '/controls')).json).toMatchObject({ routes: ['orders-route', 'users-route'] });
      const broken = await call(ws, '/controls/faults', {
        errorRatio: 0,
        addedLatencyMs: 0,
        brokenRoute: { route: 'users-route', status: 404 },
      });
      expect(broken.status).toBe(200);
      expect(broken.json).toMatchObject({ faults: { brokenRoute: { route: 'users-route', status: 404 } } });
      const unknown = await call(ws, '/controls/faults', {
        errorRatio: 0,
        addedLatencyMs: 0,
        brokenRoute: { route: 'no-such-route', status: 500 },
      });
      expect(unknown.status).toBe(400);
      expect((unknown.json as { message: string }).message).toBe(
        'Y has no route named "no-such-route"; nothing changed.',
      );
      const badStatus = await call(ws, '/controls/faults', {
        errorRatio: 0,
        addedLatencyMs: 0,
        brokenRoute: { route: 'users-route', status: 502 },
      });
      expect(badStatus.status).toBe(400);
      expect(faults.brokenRoute).toEqual({ route: 'users-route', status: 404 });
      // The 5xx/latency form leaves the broken route as it is; healing clears it.
      await call(ws, '/controls/faults', { errorRatio: 0.1, addedLatencyMs: 0 });
      expect(faults.brokenRoute).toEqual({ route: 'users-route', status: 404 });
      await call(ws, '/controls/faults', { errorRatio: 0.1, addedLatencyMs: 0, brokenRoute: null });
      expect(faults.brokenRoute).toBeNull();
    } finally {
      routes = undefined;
    }
  });

  it("put hybrid Y's second data plane out of sync and back; bad input changes nothing", async () => {
    const off = await call(ws, '/controls/data-plane', { outOfSync: true });
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({ dataPlaneOutOfSync: true });
    expect((await call(ws, '/controls/data-plane', { outOfSync: 'yes' })).status).toBe(400);
    expect(outOfSync).toBe(true);
    expect((await call(ws, '/controls/data-plane', { outOfSync: false })).json).toMatchObject({
      dataPlaneOutOfSync: false,
    });
  });

  it('are absent without hooks', async () => {
    const plain = await startSlackWorkspace({ page: { botUrl, signingSecret: SECRET } });
    try {
      expect((await call(plain, '/config')).json).toMatchObject({ controls: false });
      expect((await call(plain, '/controls')).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
