import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { verifyWebhookSignature } from '../../src/traffic/webhook-signature.js';

export interface RecordedWebhookRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeWebhookRouter {
  url: string;
  /** The weights the fake load balancer currently uses (only changed by a correctly signed POST). */
  weights: { x: number; y: number };
  requests: RecordedWebhookRequest[];
  /** The bodies of every POST received so far, in order (signed or not, answered or not). */
  posts(): Array<{ x: number; y: number }>;
  /** The next `times` requests get this status and body instead of being handled. */
  failNext(status: number, body: string, times?: number): void;
  /** The next `times` requests are never answered (to exercise timeouts). */
  hangNext(times?: number): void;
  /**
   * The next POST takes `ms` to be applied and answered (a slow load balancer): its write is in flight
   * meanwhile, and GET reports the old weights until it lands.
   */
  slowNextPost(ms: number): void;
  /** GET reports this body verbatim (wrong shapes, a different split), while POST keeps working. */
  reportRaw(body: string | undefined): void;
  close(): Promise<void>;
}

const weightsSchema = z.object({ x: z.number().int().min(0).max(100), y: z.number().int().min(0).max(100) });

/** A load balancer's weight endpoint as the webhook router expects it, verifying X-Signature. */
export async function startFakeWebhookRouter(
  secret: string,
  path = '/weights',
  options: { acceptLegacy?: boolean } = {},
): Promise<FakeWebhookRouter> {
  let failures: { status: number; body: string; times: number } | undefined;
  let hangs = 0;
  let raw: string | undefined;
  const hung: Array<() => void> = [];
  let slowPostMs = 0;
  const fake: Omit<FakeWebhookRouter, 'url' | 'close'> = {
    weights: { x: 100, y: 0 },
    requests: [],
    posts() {
      return fake.requests
        .filter((r) => r.method === 'POST')
        .map((r) => JSON.parse(r.body) as { x: number; y: number });
    },
    failNext(status, body, times = 1) {
      failures = { status, body, times };
    },
    hangNext(times = 1) {
      hangs = times;
    },
    slowNextPost(ms) {
      slowPostMs = ms;
    },
    reportRaw(body) {
      raw = body;
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      fake.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: body.toString(),
      });
      if (req.method === 'POST' && slowPostMs > 0) {
        const delay = slowPostMs;
        slowPostMs = 0;
        setTimeout(() => handle(req, res, body), delay);
        return;
      }
      handle(req, res, body);
    });
  });
  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    {
      if (hangs > 0) {
        hangs--;
        hung.push(() => res.destroy());
        return;
      }
      if (failures && failures.times > 0) {
        failures.times--;
        res.writeHead(failures.status, { 'content-type': 'text/plain' }).end(failures.body);
        return;
      }
      if (req.url !== path) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(raw ?? JSON.stringify(fake.weights));
        return;
      }
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const signature = req.headers['x-signature'];
      const timestamp = req.headers['x-signature-timestamp'];
      if (
        !verifyWebhookSignature(
          body,
          typeof signature === 'string' ? signature : undefined,
          typeof timestamp === 'string' ? timestamp : undefined,
          secret,
          options,
        )
      ) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad signature"}');
        return;
      }
      let parsed: z.ZodSafeParseResult<{ x: number; y: number }>;
      try {
        parsed = weightsSchema.safeParse(JSON.parse(body.toString()));
      } catch {
        parsed = weightsSchema.safeParse(undefined);
      }
      if (!parsed.success || parsed.data.x + parsed.data.y !== 100) {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error":"weights must add up to 100"}');
        return;
      }
      fake.weights = parsed.data;
      res.writeHead(204).end();
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}${path}`,
    async close() {
      for (const h of hung) h();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
