import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { Weights } from '../domain/weights.js';
import { parseJsonAs } from '../parse-json-as.js';
import { readBody } from '../read-body.js';
import { routerWeightsSchema } from '../traffic/router-weights-schema.js';
import { verifyWebhookSignature } from '../traffic/webhook-signature.js';

/**
 * The sandbox's load balancer in front of Kong X and Y: a reverse proxy that picks X or Y per request
 * by smooth weighted round robin (deterministic, as nginx does), and a control endpoint that is the
 * webhook traffic router's other end (docs/architecture.md#traffic-routers): `POST {"x":90,"y":10}` signed with
 * `X-Signature: sha256=<hex HMAC>`, `GET` answers the same shape. Starts at 100/0.
 */

export interface WeightedBalancerOptions {
  xUrl: string;
  yUrl: string;
  /** Shared with the webhook router (`traffic.webhook.secret`). */
  secret: string;
  /** Also accept the body-only signature without X-Signature-Timestamp (`legacySignature: true`). */
  legacySignature?: boolean;
  /** Proxy port; default 0 (free). */
  port?: number;
  /** Control endpoint port; default 0 (free). */
  controlPort?: number;
  host?: string;
  /** Per-request timeout towards X or Y. Default 30 s. */
  upstreamTimeoutMs?: number;
  log?: Logger;
}

export interface SideStats {
  requests: number;
  errors5xx: number;
}

export interface BalancerStats {
  x: SideStats;
  y: SideStats;
  /** Requests per second over the last few seconds. */
  ratePerSecond: { x: number; y: number };
}

export interface WeightedBalancer {
  /** Where clients send traffic, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** The webhook router's `url`, e.g. `http://127.0.0.1:PORT/weights`. */
  controlUrl: string;
  weights(): Weights;
  /** Sets the split directly (the sandbox's reset), as a signed POST from the router would. */
  setWeights(weights: Weights): void;
  stats(): BalancerStats;
  close(): Promise<void>;
}

type Side = 'x' | 'y';

const RATE_WINDOW_MS = 5000;
const MAX_CONTROL_BODY = 4096;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

/** nginx's smooth weighted round robin: every peer gains its weight, the leader is picked and pays the total. */
export function createSmoothRoundRobin(initial: Weights) {
  let weights = initial;
  const current = { x: 0, y: 0 };
  return {
    set(w: Weights) {
      weights = w;
      current.x = 0;
      current.y = 0;
    },
    weights: () => weights,
    next(): Side {
      const total = weights.x + weights.y;
      current.x += weights.x;
      current.y += weights.y;
      const pick: Side = current.y > current.x ? 'y' : 'x';
      current[pick] -= total;
      return pick;
    },
  };
}

export async function startWeightedBalancer(opts: WeightedBalancerOptions): Promise<WeightedBalancer> {
  const host = opts.host ?? '127.0.0.1';
  const timeoutMs = opts.upstreamTimeoutMs ?? 30_000;
  const rr = createSmoothRoundRobin({ x: 100, y: 0 });
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  const counts: Record<Side, SideStats> = {
    x: { requests: 0, errors5xx: 0 },
    y: { requests: 0, errors5xx: 0 },
  };
  const recent: Record<Side, number[]> = { x: [], y: [] };
  const upstream: Record<Side, URL> = { x: new URL(opts.xUrl), y: new URL(opts.yUrl) };

  const count = (side: Side, status: number) => {
    counts[side].requests += 1;
    if (status >= 500) counts[side].errors5xx += 1;
    const now = Date.now();
    const list = recent[side];
    list.push(now);
    // Drop what left the window; amortised, the array stays about rate × window long.
    while (list.length > 0 && (list[0] ?? now) < now - RATE_WINDOW_MS) list.shift();
  };

  const proxy = async (req: IncomingMessage, res: ServerResponse) => {
    const side = rr.next();
    const target = new URL(req.url ?? '/', upstream[side]);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    try {
      const up = await request(target, {
        method: (req.method ?? 'GET') as 'GET',
        headers,
        body: hasBody ? req : null,
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const out: Record<string, string | string[]> = { 'x-sandbox-upstream': side };
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      res.writeHead(up.statusCode, out);
      for await (const chunk of up.body) res.write(chunk);
      res.end();
      count(side, up.statusCode);
    } catch (error) {
      count(side, 502);
      opts.log?.debug({ err: error, side }, 'balancer: upstream failed');
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', 'x-sandbox-upstream': side });
      res.end(`upstream ${side.toUpperCase()} failed`);
    }
  };

  const control = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/weights') return send(404, { error: 'not found' });
    if (req.method === 'GET') return send(200, rr.weights());
    if (req.method !== 'POST') return send(405, { error: 'use GET or POST' });
    const raw = await readBody(req, MAX_CONTROL_BODY).catch(() => undefined);
    if (raw === undefined) return send(413, { error: 'body too large' });
    const signature = req.headers['x-signature'] as string | undefined;
    const timestamp = req.headers['x-signature-timestamp'] as string | undefined;
    // A receiver's duty: the signature covers "<timestamp>.<body>", and the timestamp is within 5 minutes.
    if (
      !verifyWebhookSignature(raw, signature, timestamp, opts.secret, {
        acceptLegacy: opts.legacySignature === true,
      })
    )
      return send(401, { error: 'bad, missing or expired X-Signature / X-Signature-Timestamp' });
    const parsed = parseJsonAs(routerWeightsSchema, raw.toString('utf8'));
    if (!parsed) return send(400, { error: 'expected {"x":<0-100>,"y":<0-100>} adding up to 100' });
    rr.set({ x: parsed.x, y: parsed.y });
    opts.log?.info({ weights: rr.weights() }, 'balancer: weights applied');
    return send(200, rr.weights());
  };

  const guard = (handler: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>) =>
    createServer((req, res) => {
      handler(req, res).catch((error: unknown) => {
        opts.log?.error({ err: error }, 'balancer: request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  const proxyServer = guard(proxy);
  const controlServer = guard(control);
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
  const proxyPort = await listen(proxyServer, opts.port ?? 0);
  const controlPort = await listen(controlServer, opts.controlPort ?? 0);
  const base = (port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const rate = (side: Side) => {
    const since = Date.now() - RATE_WINDOW_MS;
    return recent[side].filter((t) => t >= since).length / (RATE_WINDOW_MS / 1000);
  };
  const close = (server: Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: base(proxyPort),
    controlUrl: `${base(controlPort)}/weights`,
    weights: () => rr.weights(),
    setWeights: (w) => rr.set({ x: w.x, y: w.y }),
    stats: () => ({
      x: { ...counts.x },
      y: { ...counts.y },
      ratePerSecond: { x: rate('x'), y: rate('y') },
    }),
    async close() {
      await Promise.all([close(proxyServer), close(controlServer)]);
      await agent.close();
    },
  };
}
