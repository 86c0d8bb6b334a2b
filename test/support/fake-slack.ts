import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateBlocks } from './fake-slack-blocks.js';

/**
 * A fake Slack Web API on 127.0.0.1 that speaks what @slack/web-api sends (slack.md §4): form or JSON
 * bodies, `Authorization: Bearer`, HTTP 200 + `{ok:false,error}` for API errors, 429 + Retry-After for rate
 * limits, the files upload v2 flow, and `response_url` sinks. Give `apiUrl` to Bolt as
 * `clientOptions.slackApiUrl`. It keeps what a channel would show so tests can assert on it.
 */

export interface FakeSlackOptions {
  /** Bot tokens accepted in `Authorization: Bearer …`. Default `['xoxb-test']`. */
  botTokens?: string[];
  teamId?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** Usergroup id → member user ids (`usergroups.users.list`). */
  usergroups?: Record<string, string[]>;
  channels?: Record<string, Partial<FakeChannel>>;
  users?: Record<string, { name?: string; realName?: string; isBot?: boolean }>;
  /** When true, channels and users not configured are `channel_not_found` / `user_not_found`. */
  strict?: boolean;
  /** Clock in ms, for message ts and call times. */
  now?: () => number;
  /** chat.update rejects longer text with `msg_too_long` (slack.md §4 table). Default 4,000. */
  updateTextLimit?: number;
  /** Uses allowed per response_url (Slack: 5 within 30 min). */
  responseUrlUses?: number;
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  isMember: boolean;
}

export interface FakeSlackCall {
  method: string;
  params: Record<string, unknown>;
  at: Date;
  headers: IncomingHttpHeaders;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  /** ts of the thread's parent for replies; null for top-level messages. */
  threadTs: string | null;
  text: string;
  blocks: unknown[] | null;
  user: string;
  botId: string;
  fileIds: string[];
  deleted: boolean;
  /** Every chat.update (or response_url replace) applied to this message, oldest first. */
  updates: Array<{ at: Date; text: string; blocks: unknown[] | null }>;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  ts: string;
  threadTs: string | null;
  text: string;
  blocks: unknown[] | null;
}

export interface FakeResponse {
  id: string;
  body: Record<string, unknown>;
  at: Date;
  headers: IncomingHttpHeaders;
}

export interface FakeFile {
  id: string;
  filename: string;
  declaredLength: number;
  altText: string | null;
  title: string | null;
  bytes: Buffer | null;
  uploadContentType: string | null;
  completed: boolean;
  channel: string | null;
  threadTs: string | null;
  initialComment: string | null;
}

/** A queued fault: an `ok:false` error code, an HTTP status (429 with Retry-After), or a delay. */
export type FakeFault =
  | string
  | { status: 429; retryAfter: number }
  | { status: number; body?: string }
  | { delayMs: number };

/** Context a response_url acts on, as Slack knows it from the command or click that carried it. */
export interface ResponseUrlContext {
  channel?: string;
  messageTs?: string;
  userId?: string;
}

export interface FakeSlack {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT/api/` — Bolt's `clientOptions.slackApiUrl`. */
  apiUrl: string;
  port: number;
  botToken: string;
  /** A response_url pointing at this fake; with a context, replace/delete/in_channel take effect. */
  responseUrl(id?: string, context?: ResponseUrlContext): string;
  /** The next call of `method` (or 'upload' / 'response') fails this way. Faults queue up. */
  failNext(method: string, fault: FakeFault): void;
  setUsergroup(id: string, users: string[]): void;
  setChannel(id: string, info: Partial<FakeChannel>): void;
  /** Top-level messages of a channel (what the channel shows), oldest first; thread replies excluded. */
  messages(channel: string): FakeMessage[];
  message(channel: string, ts: string): FakeMessage | undefined;
  /** Replies in a thread (parent excluded), oldest first. */
  thread(channel: string, ts: string): FakeMessage[];
  ephemerals(user?: string): FakeEphemeral[];
  responses(id?: string): FakeResponse[];
  files(): FakeFile[];
  calls(method?: string): FakeSlackCall[];
  /** Resolves with the predicate's first truthy value; rejects after timeoutMs naming what was seen. */
  waitFor<T>(predicate: () => T, timeoutMs?: number): Promise<Exclude<T, null | undefined | false | 0 | ''>>;
  /** Forgets messages, files, calls, responses and queued faults (configuration stays). */
  reset(): void;
  close(): Promise<void>;
}

type Params = Record<string, unknown>;
type Reply = { ok: boolean; [key: string]: unknown };

const JSON_FIELDS = ['blocks', 'attachments', 'files', 'metadata'];
const MAX_BODY_BYTES = 20 * 1024 * 1024;
const MAX_TEXT = 40_000;

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const tokens = opts.botTokens ?? ['xoxb-test'];
  const team = { id: opts.teamId ?? 'T0KONG001', domain: opts.teamDomain ?? 'acme' };
  const bot = {
    userId: opts.botUserId ?? 'U0BOT',
    botId: opts.botId ?? 'B0TEST',
    appId: opts.appId ?? 'A0KONGBOT',
  };
  const now = opts.now ?? Date.now;
  const updateTextLimit = opts.updateTextLimit ?? 4000;
  const responseUrlUses = opts.responseUrlUses ?? 5;

  const usergroups = new Map(Object.entries(opts.usergroups ?? {}));
  const channels = new Map<string, FakeChannel>();
  const users = new Map(Object.entries(opts.users ?? {}));
  let messages: FakeMessage[] = [];
  let ephemerals: FakeEphemeral[] = [];
  let responses: FakeResponse[] = [];
  let files = new Map<string, FakeFile>();
  let calls: FakeSlackCall[] = [];
  let faults = new Map<string, FakeFault[]>();
  const responseContexts = new Map<string, ResponseUrlContext>();
  let lastMicros = 0;
  let baseUrl = '';

  const setChannel = (id: string, info: Partial<FakeChannel>) => {
    const old = channels.get(id);
    channels.set(id, {
      id,
      name: info.name ?? old?.name ?? id.toLowerCase(),
      isPrivate: info.isPrivate ?? old?.isPrivate ?? id.startsWith('G'),
      isArchived: info.isArchived ?? old?.isArchived ?? false,
      isMember: info.isMember ?? old?.isMember ?? true,
    });
  };
  for (const [id, info] of Object.entries(opts.channels ?? {})) setChannel(id, info);

  /** Unique, increasing ts like Slack's "1754000000.000100" (seconds.microseconds). */
  const nextTs = (): string => {
    lastMicros = Math.max(Math.floor(now() * 1000), lastMicros + 1);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };

  const findChannel = (id: string | undefined): FakeChannel | undefined => {
    if (id === undefined) return undefined;
    if (!channels.has(id) && !opts.strict && /^[CGD][A-Z0-9]{2,}$/.test(id)) setChannel(id, {});
    return channels.get(id);
  };
  const findMessage = (channel: string, ts: string) =>
    messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  /** A reply's ts resolves to its parent, as Slack threads only one level deep. */
  const threadParent = (channel: string, ts: string | undefined): string | null | undefined => {
    if (ts === undefined || ts === '') return null;
    const m = findMessage(channel, ts);
    return m === undefined ? undefined : (m.threadTs ?? m.ts);
  };
  const messageJson = (m: FakeMessage) => ({
    type: 'message',
    subtype: 'bot_message',
    bot_id: m.botId,
    user: m.user,
    app_id: bot.appId,
    team: team.id,
    text: m.text,
    ts: m.ts,
    ...(m.threadTs === null ? {} : { thread_ts: m.threadTs }),
    blocks: m.blocks ?? [],
  });
  const postMessage = (channel: string, threadTs: string | null, text: string, blocks: unknown[] | null) => {
    const m: FakeMessage = {
      channel,
      ts: nextTs(),
      threadTs,
      text,
      blocks,
      user: bot.userId,
      botId: bot.botId,
      fileIds: [],
      deleted: false,
      updates: [],
    };
    messages.push(m);
    return m;
  };

  /** Shared checks of chat.postMessage / chat.postEphemeral / chat.update content. */
  const checkContent = (p: Params, textLimit: number): Reply | null => {
    const text = str(p, 'text');
    if (text !== undefined && text.length > textLimit) return fail('msg_too_long');
    if (p.blocks === undefined) return null;
    return validateBlocks(p.blocks);
  };

  const methods: Record<string, (p: Params) => Reply> = {
    'auth.test': () => ({
      ok: true,
      url: `https://${team.domain}.slack.com/`,
      team: 'Acme',
      user: 'kong-upgrade',
      team_id: team.id,
      user_id: bot.userId,
      bot_id: bot.botId,
      app_id: bot.appId,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (p) => {
      const channel = findChannel(str(p, 'channel'));
      if (channel === undefined) return fail('channel_not_found');
      if (channel.isArchived) return fail('is_archived');
      if (!channel.isMember) return fail('not_in_channel');
      const bad = checkContent(p, MAX_TEXT);
      if (bad !== null) return bad;
      if (!hasContent(p)) return fail('no_text');
      const parent = threadParent(channel.id, str(p, 'thread_ts'));
      if (parent === undefined) return fail('thread_not_found');
      const m = postMessage(channel.id, parent, str(p, 'text') ?? '', blocksOf(p));
      return { ok: true, channel: channel.id, ts: m.ts, message: messageJson(m) };
    },
    'chat.update': (p) => {
      const channel = findChannel(str(p, 'channel'));
      if (channel === undefined) return fail('channel_not_found');
      const m = findMessage(channel.id, str(p, 'ts') ?? '');
      if (m === undefined) return fail('message_not_found');
      const bad = checkContent(p, updateTextLimit);
      if (bad !== null) return bad;
      const text = str(p, 'text');
      // Slack: blocks are kept only when neither text nor blocks are sent (slack.md §4.1).
      const blocks = p.blocks !== undefined ? blocksOf(p) : text === undefined ? m.blocks : null;
      m.text = text ?? m.text;
      m.blocks = blocks;
      m.updates.push({ at: new Date(now()), text: m.text, blocks });
      return { ok: true, channel: channel.id, ts: m.ts, text: m.text, message: messageJson(m) };
    },
    'chat.postEphemeral': (p) => {
      const channel = findChannel(str(p, 'channel'));
      if (channel === undefined) return fail('channel_not_found');
      const user = str(p, 'user');
      if (user === undefined || user === '') return fail('user_not_in_channel');
      const bad = checkContent(p, MAX_TEXT);
      if (bad !== null) return bad;
      if (!hasContent(p)) return fail('no_text');
      const ts = nextTs();
      const threadTs = str(p, 'thread_ts') ?? null;
      ephemerals.push({
        channel: channel.id,
        user,
        ts,
        threadTs,
        text: str(p, 'text') ?? '',
        blocks: blocksOf(p),
      });
      return { ok: true, message_ts: ts };
    },
    'chat.getPermalink': (p) => {
      const channel = findChannel(str(p, 'channel'));
      if (channel === undefined) return fail('channel_not_found');
      const m = findMessage(channel.id, str(p, 'message_ts') ?? '');
      if (m === undefined) return fail('message_not_found');
      const base = `https://${team.domain}.slack.com/archives/${channel.id}/p${m.ts.replace('.', '')}`;
      const permalink = m.threadTs === null ? base : `${base}?thread_ts=${m.threadTs}&cid=${channel.id}`;
      return { ok: true, channel: channel.id, permalink };
    },
    'conversations.info': (p) => {
      const c = findChannel(str(p, 'channel'));
      if (c === undefined) return fail('channel_not_found');
      return {
        ok: true,
        channel: {
          id: c.id,
          name: c.name,
          is_channel: !c.isPrivate,
          is_group: c.isPrivate,
          is_im: false,
          is_private: c.isPrivate,
          is_archived: c.isArchived,
          is_member: c.isMember,
          created: 1700000000,
        },
      };
    },
    'usergroups.users.list': (p) => {
      const members = usergroups.get(str(p, 'usergroup') ?? '');
      return members === undefined ? fail('no_such_subteam') : { ok: true, users: [...members] };
    },
    'users.info': (p) => {
      const id = str(p, 'user') ?? '';
      const known = users.get(id);
      if (known === undefined && (opts.strict || !/^[UW][A-Z0-9]{2,}$/.test(id)))
        return fail('user_not_found');
      const name = known?.name ?? id.toLowerCase();
      const realName = known?.realName ?? name;
      return {
        ok: true,
        user: {
          id,
          team_id: team.id,
          name,
          real_name: realName,
          is_bot: known?.isBot ?? false,
          deleted: false,
          tz: 'Etc/UTC',
          profile: { display_name: name, real_name: realName },
        },
      };
    },
    'files.getUploadURLExternal': (p) => {
      const filename = str(p, 'filename');
      const length = Number(str(p, 'length'));
      if (filename === undefined || filename === '')
        return fail('invalid_arguments', ['missing required field: filename']);
      if (!Number.isInteger(length) || length < 1)
        return fail('invalid_arguments', ['length must be a positive integer']);
      const id = `F${randomBytes(5).toString('hex').toUpperCase()}`;
      files.set(id, {
        id,
        filename,
        declaredLength: length,
        altText: str(p, 'alt_text') ?? str(p, 'alt_txt') ?? null,
        title: null,
        bytes: null,
        uploadContentType: null,
        completed: false,
        channel: null,
        threadTs: null,
        initialComment: null,
      });
      return { ok: true, upload_url: `${baseUrl}/upload/${id}`, file_id: id };
    },
    'files.completeUploadExternal': (p) => {
      const list = p.files;
      if (!Array.isArray(list) || list.length === 0)
        return fail('invalid_arguments', ['files must be a non-empty array']);
      const entries: Array<{ file: FakeFile; title: string | undefined }> = [];
      for (const item of list) {
        const id = isRecord(item) && typeof item.id === 'string' ? item.id : '';
        const file = files.get(id);
        if (file === undefined || file.bytes === null) return fail('file_not_found');
        entries.push({
          file,
          title: isRecord(item) && typeof item.title === 'string' ? item.title : undefined,
        });
      }
      const channelId = str(p, 'channel_id') ?? str(p, 'channels')?.split(',')[0];
      const channel = channelId === undefined ? null : findChannel(channelId);
      if (channel === undefined) return fail('channel_not_found');
      const parent = channel === null ? null : threadParent(channel.id, str(p, 'thread_ts'));
      if (parent === undefined) return fail('thread_not_found');
      const comment = str(p, 'initial_comment') ?? null;
      if (channel !== null) {
        const m = postMessage(channel.id, parent, comment ?? '', blocksOf(p));
        m.fileIds = entries.map((e) => e.file.id);
      }
      for (const { file, title } of entries) {
        Object.assign(file, {
          completed: true,
          title: title ?? file.filename,
          channel: channel?.id ?? null,
          threadTs: parent,
          initialComment: comment,
        });
      }
      // No `shares`/ts in the answer: real Slack fills them in late or not at all (slack.md §4.2).
      return {
        ok: true,
        files: entries.map(({ file }) => ({
          id: file.id,
          name: file.filename,
          title: file.title,
          mimetype: mimeType(file.filename),
          size: file.bytes?.length ?? 0,
          user: bot.userId,
          created: Math.floor(now() / 1000),
        })),
      };
    },
  };

  const record = (method: string, params: Params, req: IncomingMessage) => {
    calls.push({ method, params, at: new Date(now()), headers: req.headers });
  };

  /** Applies a queued fault; returns true when the request has been answered by it. */
  const applyFault = async (method: string, res: ServerResponse): Promise<boolean> => {
    const fault = faults.get(method)?.shift();
    if (fault === undefined) return false;
    if (typeof fault === 'string') {
      sendJson(res, 200, fail(fault));
      return true;
    }
    if ('delayMs' in fault) {
      await new Promise((r) => setTimeout(r, fault.delayMs));
      return false;
    }
    if (fault.status === 429 && 'retryAfter' in fault) {
      res.setHeader('retry-after', String(fault.retryAfter));
      sendJson(res, 429, fail('ratelimited'));
      return true;
    }
    const body =
      'body' in fault && fault.body !== undefined ? fault.body : JSON.stringify(fail('fatal_error'));
    res.writeHead(fault.status, { 'content-type': 'application/json' }).end(body);
    return true;
  };

  const handleApi = async (method: string, req: IncomingMessage, raw: Buffer, res: ServerResponse) => {
    const params = await parseParams(req, raw);
    record(method, params, req);
    if (await applyFault(method, res)) return;
    const auth = req.headers.authorization;
    if (auth === undefined || !auth.startsWith('Bearer ')) return sendJson(res, 200, fail('not_authed'));
    if (!tokens.includes(auth.slice('Bearer '.length))) return sendJson(res, 200, fail('invalid_auth'));
    const handler = methods[method];
    sendJson(res, 200, handler === undefined ? fail('unknown_method') : handler(params));
  };

  const handleUpload = async (id: string, req: IncomingMessage, raw: Buffer, res: ServerResponse) => {
    record('upload', { fileId: id, length: raw.length }, req);
    if (await applyFault('upload', res)) return;
    const file = files.get(id);
    if (file === undefined)
      return void res.writeHead(404, { 'content-type': 'text/plain' }).end('file not found');
    const contentType = req.headers['content-type'] ?? '';
    let bytes = raw;
    if (contentType.startsWith('multipart/form-data')) {
      // The WebClient sends one multipart part named `body` (slack.md §4.2).
      const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
      const part = form.get('body');
      if (part === null) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('no body part');
      bytes = typeof part === 'string' ? Buffer.from(part) : Buffer.from(await part.arrayBuffer());
    }
    file.bytes = bytes;
    file.uploadContentType = contentType;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
  };

  const handleResponse = async (id: string, req: IncomingMessage, raw: Buffer, res: ServerResponse) => {
    let body: Params;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      body = isRecord(parsed) ? parsed : {};
    } catch {
      return void sendJson(res, 400, fail('invalid_payload'));
    }
    record('response', body, req);
    if (await applyFault('response', res)) return;
    if (responses.filter((r) => r.id === id).length >= responseUrlUses)
      return void sendJson(res, 404, fail('used_url'));
    responses.push({ id, body, at: new Date(now()), headers: req.headers });
    applyResponseEffects(responseContexts.get(id), body);
    sendJson(res, 200, { ok: true });
  };

  /** What Slack does with a response_url post, for the contexts the fake knows. */
  const applyResponseEffects = (ctx: ResponseUrlContext | undefined, body: Params) => {
    if (ctx?.channel === undefined) return;
    const text = typeof body.text === 'string' ? body.text : '';
    const blocks = Array.isArray(body.blocks) ? body.blocks : null;
    const original = ctx.messageTs === undefined ? undefined : findMessage(ctx.channel, ctx.messageTs);
    if (body.delete_original === true && original !== undefined) original.deleted = true;
    else if (body.replace_original === true && original !== undefined) {
      Object.assign(original, { text, blocks });
      original.updates.push({ at: new Date(now()), text, blocks });
    } else if (body.response_type === 'in_channel') {
      const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : null;
      postMessage(ctx.channel, threadTs, text, blocks);
    } else if (ctx.userId !== undefined && body.delete_original !== true && body.replace_original !== true) {
      ephemerals.push({ channel: ctx.channel, user: ctx.userId, ts: nextTs(), threadTs: null, text, blocks });
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const raw = await readBody(req);
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const [, kind, rest] = /^\/(api|upload|response)\/(.+)$/.exec(path) ?? [];
        if (req.method !== 'POST' && req.method !== 'GET') return void res.writeHead(405).end();
        if (kind === 'api' && rest !== undefined) return await handleApi(rest, req, raw, res);
        if (kind === 'upload' && rest !== undefined) return await handleUpload(rest, req, raw, res);
        if (kind === 'response' && rest !== undefined) return await handleResponse(rest, req, raw, res);
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      } catch (error) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake slack error: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  const visible = (m: FakeMessage) => !m.deleted;
  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    port,
    botToken: tokens[0] ?? 'xoxb-test',
    responseUrl(id = randomBytes(6).toString('hex'), context) {
      if (context !== undefined) responseContexts.set(id, context);
      return `${baseUrl}/response/${id}`;
    },
    failNext(method, fault) {
      faults.set(method, [...(faults.get(method) ?? []), fault]);
    },
    setUsergroup(id, members) {
      usergroups.set(id, [...members]);
    },
    setChannel,
    messages: (channel) => messages.filter((m) => m.channel === channel && m.threadTs === null && visible(m)),
    message: (channel, ts) => findMessage(channel, ts),
    thread: (channel, ts) => messages.filter((m) => m.channel === channel && m.threadTs === ts && visible(m)),
    ephemerals: (user) => ephemerals.filter((e) => user === undefined || e.user === user),
    responses: (id) => responses.filter((r) => id === undefined || r.id === id),
    files: () => [...files.values()],
    calls: (method) => calls.filter((c) => method === undefined || c.method === method),
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = predicate();
        if (value) return value as Exclude<typeof value, null | undefined | false | 0 | ''>;
        if (Date.now() > deadline) {
          const seen = calls.map((c) => c.method).join(', ') || 'none';
          throw new Error(`fake Slack: condition not met within ${timeoutMs} ms (calls so far: ${seen})`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    reset() {
      messages = [];
      ephemerals = [];
      responses = [];
      files = new Map();
      calls = [];
      faults = new Map();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function fail(error: string, messages?: string[]): Reply {
  return messages === undefined
    ? { ok: false, error }
    : { ok: false, error, response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } };
}

function str(p: Params, key: string): string | undefined {
  const v = p[key];
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function blocksOf(p: Params): unknown[] | null {
  return Array.isArray(p.blocks) ? p.blocks : null;
}

function hasContent(p: Params): boolean {
  const text = str(p, 'text');
  const blocks = blocksOf(p);
  return (
    (text !== undefined && text !== '') ||
    (blocks !== null && blocks.length > 0) ||
    p.attachments !== undefined
  );
}

function mimeType(filename: string): string {
  const ext = filename.split('.').pop()?.toLowerCase();
  const types: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    svg: 'image/svg+xml',
    txt: 'text/plain',
  };
  return types[ext ?? ''] ?? 'application/octet-stream';
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Query string plus form, JSON or multipart body; JSON-valued form fields (blocks, files…) decoded. */
async function parseParams(req: IncomingMessage, raw: Buffer): Promise<Params> {
  const params: Params = {};
  for (const [k, v] of new URL(req.url ?? '/', 'http://x').searchParams) params[k] = v;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json' && raw.length > 0) {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    if (isRecord(parsed)) Object.assign(params, parsed);
  } else if (type === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) params[k] = v;
  } else if (type === 'multipart/form-data') {
    const form = await new Response(raw, {
      headers: { 'content-type': req.headers['content-type'] ?? '' },
    }).formData();
    for (const [k, v] of form) params[k] = typeof v === 'string' ? v : `<file ${v.size} bytes>`;
  }
  for (const key of JSON_FIELDS) {
    const v = params[key];
    if (typeof v === 'string' && /^\s*[[{]/.test(v)) {
      try {
        params[key] = JSON.parse(v);
      } catch {
        // Left as a string: the method answers invalid_blocks_format, as Slack does.
      }
    }
  }
  return params;
}
