import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callDeployWebhook } from '../../src/deploy/call-deploy-webhook.js';
import { type AppError, isAppError } from '../../src/errors.js';
import { createKongHttp } from '../../src/kong/create-kong-http.js';
import { httpGetText } from '../../src/metrics/http-get-text.js';
import { createKongUpstreamRouter } from '../../src/traffic/kong-upstream-router.js';
import { createWebhookRouter } from '../../src/traffic/webhook-router.js';

/**
 * Every body the bot reads from a peer is capped (Kong Admin, routers, the deploy webhook, metrics
 * scrapes), with an error naming the endpoint and the cap; and the server sees the bot stop reading.
 */
const CHUNK = Buffer.alloc(64 * 1024, ' ');

let server: Server;
let base: string;
// Bytes each endless answer got out before the client hung up.
const sent: Record<string, number> = {};

/** Answers `{"data": [` followed by spaces without end (valid so far, never finished). */
function endless(req: IncomingMessage, res: import('node:http').ServerResponse, limit: number): void {
  const key = new URL(req.url ?? '/', 'http://x').pathname;
  sent[key] = 0;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"data": [');
  const pump = () => {
    while ((sent[key] ?? 0) < limit) {
      sent[key] = (sent[key] ?? 0) + CHUNK.length;
      if (!res.write(CHUNK)) return void res.once('drain', pump);
    }
    res.end(']}');
  };
  res.on('close', () => undefined);
  pump();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    // Each peer answers a little more than its cap would allow, yet far less than "without end".
    if (path.startsWith('/kong')) return endless(req, res, 48 * 1024 * 1024);
    if (path.startsWith('/metrics')) return endless(req, res, 24 * 1024 * 1024);
    return endless(req, res, 8 * 1024 * 1024);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  if (!isAppError(err)) throw err;
  return err;
}

describe('bounded reads', () => {
  it('a Kong Admin answer past 32 MiB is refused, naming the endpoint and the cap', async () => {
    const http = createKongHttp({
      adminUrl: `${base}/kong`,
      label: 'X',
      timeoutMs: 20_000,
      retries: 0,
      backoffMs: 1,
    });
    const err = await failure(http.getJson('/consumers?size=1000'));
    expect(err.code).toBe('E_KONG_BAD_RESPONSE');
    expect(err.message).toContain('GET /consumers');
    expect(err.message).toContain('32 MiB');
    expect(err.details.limit).toBe(32 * 1024 * 1024);
  });

  it('a router answer past 1 MiB is refused (webhook and kong-upstream routers)', async () => {
    const webhook = createWebhookRouter({ url: `${base}/router`, secret: 'router-secret' }, { attempts: 1 });
    const err = await failure(webhook.read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('GET');
    expect(err.message).toContain('/router');
    expect(err.message).toContain('1 MiB');

    const front = createKongUpstreamRouter(
      { adminUrl: `${base}/front`, upstream: 'u', xTarget: 'x:8000', yTarget: 'y:8000' },
      { attempts: 1 },
    );
    const err2 = await failure(front.read());
    expect(err2.code).toBe('E_ROUTER_READBACK');
    expect(err2.message).toContain('/front/upstreams/u/targets');
    expect(err2.message).toContain('1 MiB');
  });

  it('a deploy webhook answer past 64 KiB is refused', async () => {
    const err = await failure(
      callDeployWebhook({
        url: `${base}/deploy`,
        secret: 'deploy-secret',
        body: {
          run: 'prod-1',
          environment: 'prod',
          targetVersion: '3.9.1',
          clusterY: { adminUrl: 'http://y:8001', proxyUrl: 'http://y:8000' },
        },
        timeoutMs: 20_000,
      }),
    );
    expect(err.code).toBe('E_DEPLOY_FAILED');
    expect(err.message).toContain('/deploy');
    expect(err.message).toContain('64 KiB');
  });

  it('a metrics scrape past 16 MiB is refused', async () => {
    const err = await failure(httpGetText(`${base}/metrics`, { retries: 0, timeoutMs: 20_000 }));
    expect(err.code).toBe('E_METRICS_BAD_RESPONSE');
    expect(err.message).toContain('/metrics');
    expect(err.message).toContain('16 MiB');
  });

  it('the bot stopped reading each endless answer soon after its cap', async () => {
    await new Promise((r) => setTimeout(r, 100));
    // Socket buffers hold a few MiB at most; nothing was read to its end.
    expect(sent['/kong/consumers']).toBeLessThan(44 * 1024 * 1024);
    expect(sent['/deploy']).toBeLessThan(7 * 1024 * 1024);
  });
});
