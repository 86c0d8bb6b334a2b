import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../read-body.js';
import { applyFault } from './apply-fault.js';
import { createChatMethods, type MethodHandler } from './chat-methods.js';
import { createFileMethods, receiveUpload } from './file-upload.js';
import { applyResponseEffects } from './response-url.js';
import { createSandboxRoutes } from './sandbox-routes.js';
import { createBotSender } from './send-to-bot.js';
import { createViewMethods } from './view-methods.js';
import { fail, isRecord, MAX_BODY_BYTES, type Params, parseParams, sendJson } from './web-api-params.js';
import { createWorkspaceStore } from './workspace-store.js';
import type {
  RandomFaults,
  SlackWorkspace,
  SlackWorkspaceOptions,
  WorkspaceFault,
  WorkspaceMessage,
} from './workspace-types.js';

/**
 * The simulated Slack workspace on 127.0.0.1 (or `host`): the Web API as @slack/web-api calls it (form or
 * JSON bodies, `Authorization: Bearer`, HTTP 200 + `{ok:false,error}` for API errors, 429 + Retry-After),
 * the files upload v2 flow, `response_url` sinks, and — with `page` — the sandbox page at `/sandbox`
 * that shows the channel and sends commands and clicks to the bot, signed as Slack signs them.
 * Give `apiUrl` to Bolt as `clientOptions.slackApiUrl`.
 */
export async function startSlackWorkspace(opts: SlackWorkspaceOptions = {}): Promise<SlackWorkspace> {
  const tokens = opts.botTokens ?? ['xoxb-test'];
  const responseUrlUses = opts.responseUrlUses ?? 5;
  const store = createWorkspaceStore(opts);
  let baseUrl = '';
  const methods: Record<string, MethodHandler> = {
    ...createChatMethods(store, {
      updateTextLimit: opts.updateTextLimit ?? 4000,
      strict: opts.strict ?? false,
    }),
    ...createFileMethods(store, () => baseUrl),
    ...createViewMethods(store),
  };
  const responseUrl: SlackWorkspace['responseUrl'] = (id = randomBytes(6).toString('hex'), context) => {
    if (context !== undefined) store.responseContexts.set(id, context);
    return `${baseUrl}/response/${id}`;
  };
  const page = opts.page;
  const sandbox =
    page === undefined
      ? undefined
      : createSandboxRoutes({
          store,
          page,
          responseUrl: (context) => responseUrl(undefined, context),
          sender: createBotSender({
            botUrl: page.botUrl,
            signingSecret: page.signingSecret,
            timeoutMs: page.ackTimeoutMs ?? 3000,
          }),
        });

  const record = (method: string, params: Params, req: IncomingMessage) => {
    store.state.calls.push({ method, params, at: new Date(store.now()), headers: req.headers });
  };
  const standing = new Map<string, WorkspaceFault>();
  let random: { faults: RandomFaults; next: () => number } | null = null;
  /** A queued fault first, then a standing one, then (for API calls and uploads) a random one. */
  const pickFault = (method: string): WorkspaceFault | undefined => {
    const queued = store.state.faults.get(method)?.shift();
    if (queued !== undefined) return queued;
    const always = standing.get(method);
    if (always !== undefined) return always;
    if (random === null || method === 'response' || random.faults.except?.includes(method)) return undefined;
    const { faults, next } = random;
    const draw = next();
    if (draw < faults.rate429) {
      const [min, max] = faults.retryAfterSeconds ?? [1, 3];
      return { status: 429, retryAfter: min + Math.floor(next() * (max - min + 1)) };
    }
    if (draw < faults.rate429 + faults.rate500) return { status: 500 };
    return undefined;
  };
  const fault = (method: string, res: ServerResponse) => applyFault(pickFault(method), res);

  const handleApi = async (method: string, req: IncomingMessage, raw: Buffer, res: ServerResponse) => {
    const params = await parseParams(req, raw);
    record(method, params, req);
    if (await fault(method, res)) return;
    const auth = req.headers.authorization;
    if (auth === undefined || !auth.startsWith('Bearer ')) return sendJson(res, 200, fail('not_authed'));
    if (!tokens.includes(auth.slice('Bearer '.length))) return sendJson(res, 200, fail('invalid_auth'));
    const handler = methods[method];
    sendJson(res, 200, handler === undefined ? fail('unknown_method') : handler(params));
  };

  const handleUpload = async (id: string, req: IncomingMessage, raw: Buffer, res: ServerResponse) => {
    record('upload', { fileId: id, length: raw.length }, req);
    if (await fault('upload', res)) return;
    const out = await receiveUpload(store.state.files.get(id), req.headers['content-type'] ?? '', raw);
    res.writeHead(out.status, { 'content-type': 'text/plain' }).end(out.text);
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
    if (await fault('response', res)) return;
    if (store.state.responses.filter((r) => r.id === id).length >= responseUrlUses)
      return void sendJson(res, 404, fail('used_url'));
    store.state.responses.push({ id, body, at: new Date(store.now()), headers: req.headers });
    applyResponseEffects(store, store.responseContexts.get(id), body);
    sendJson(res, 200, { ok: true });
  };

  const requestListener: RequestListener = (req, res) => {
    void (async () => {
      try {
        const raw = await readBody(req, MAX_BODY_BYTES);
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        if (req.method !== 'POST' && req.method !== 'GET') return void res.writeHead(405).end();
        if (sandbox !== undefined && (await sandbox(req, res, path, raw))) return;
        const [, kind, rest] = /^\/(api|upload|response)\/(.+)$/.exec(path) ?? [];
        if (kind === 'api' && rest !== undefined) return await handleApi(rest, req, raw, res);
        if (kind === 'upload' && rest !== undefined) return await handleUpload(rest, req, raw, res);
        if (kind === 'response' && rest !== undefined) return await handleResponse(rest, req, raw, res);
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      } catch (error) {
        opts.log?.error({ err: error, url: req.url }, 'slack workspace request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`slack workspace error: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
  };
  const server = createServer(requestListener);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const visible = (m: WorkspaceMessage) => !m.deleted;
  const { state } = store;
  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/`,
    port,
    botToken: tokens[0] ?? 'xoxb-test',
    requestListener,
    responseUrl,
    failNext(method, f) {
      state.faults.set(method, [...(state.faults.get(method) ?? []), f]);
    },
    failAlways(method, f) {
      if (f === null) standing.delete(method);
      else standing.set(method, f);
    },
    setRandomFaults(faults) {
      random = faults === null ? null : { faults, next: seededRandom(faults.seed) };
    },
    deleteMessage(channel, ts) {
      const m = store.findMessage(channel, ts);
      if (m === undefined) return false;
      store.deleteMessage(m);
      return true;
    },
    setUsergroup(id, members) {
      store.usergroups.set(id, [...members]);
    },
    setChannel: store.setChannel,
    messages: (channel) =>
      state.messages.filter(
        (m) => m.channel === channel && (m.threadTs === null || m.broadcast === true) && visible(m),
      ),
    message: (channel, ts) => store.findMessage(channel, ts),
    thread: (channel, ts) =>
      state.messages.filter((m) => m.channel === channel && m.threadTs === ts && visible(m)),
    ephemerals: (user) => state.ephemerals.filter((e) => user === undefined || e.user === user),
    responses: (id) => state.responses.filter((r) => id === undefined || r.id === id),
    files: () => [...state.files.values()],
    views: (user) => state.views.filter((v) => user === undefined || v.user === user),
    issueTrigger: (user) => store.issueTrigger(user),
    closeView(id) {
      const v = state.views.find((x) => x.id === id);
      if (v !== undefined) {
        v.closed = true;
        store.notifyView(v.user);
      }
    },
    calls: (method) => state.calls.filter((c) => method === undefined || c.method === method),
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = predicate();
        if (value) return value as Exclude<typeof value, null | undefined | false | 0 | ''>;
        if (Date.now() > deadline) {
          const seen = state.calls.map((c) => c.method).join(', ') || 'none';
          throw new Error(
            `Slack workspace: condition not met within ${timeoutMs} ms (calls so far: ${seen})`,
          );
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    reset() {
      standing.clear();
      random = null;
      store.reset();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** mulberry32: a small seeded generator, so a faulty run can be replayed exactly. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
