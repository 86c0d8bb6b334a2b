import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSmoothRoundRobin,
  startWeightedBalancer,
  type WeightedBalancer,
} from '../../src/sandbox/weighted-balancer.js';
import { createWebhookRouter } from '../../src/traffic/webhook-router.js';
import { signWebhookBody, webhookSignatureHeaders } from '../../src/traffic/webhook-signature.js';

const SECRET = 'balancer-secret';
let x: Server;
let y: Server;
let yStatus = 200;
let lb: WeightedBalancer;

/** An upstream that names itself and echoes the method, path and body it got. */
async function upstream(name: string, status: () => number): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += String(c);
    });
    req.on('end', () => {
      res.writeHead(status(), { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ name, method: req.method, url: req.url, body, apikey: req.headers.apikey ?? null }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

async function send(path = '/orders', init: { method?: 'GET' | 'POST'; body?: string } = {}) {
  const res = await request(`${lb.url}${path}`, {
    method: init.method ?? 'GET',
    ...(init.body === undefined ? {} : { body: init.body }),
    headers: { apikey: 'k1' },
    headersTimeout: 5000,
    bodyTimeout: 5000,
  });
  return {
    status: res.statusCode,
    side: res.headers['x-sandbox-upstream'],
    json: (await res.body.json()) as never,
  };
}

beforeAll(async () => {
  x = await upstream('x', () => 200);
  y = await upstream('y', () => yStatus);
  lb = await startWeightedBalancer({ xUrl: urlOf(x), yUrl: urlOf(y), secret: SECRET });
});
afterAll(async () => {
  await lb.close();
  x.close();
  y.close();
});

describe('smooth weighted round robin', () => {
  it('interleaves like nginx and honours the weights exactly over a cycle', () => {
    const rr = createSmoothRoundRobin({ x: 75, y: 25 });
    expect(Array.from({ length: 8 }, () => rr.next()).join('')).toBe('xxyxxxyx');
    rr.set({ x: 0, y: 100 });
    expect(Array.from({ length: 5 }, () => rr.next()).join('')).toBe('yyyyy');
    rr.set({ x: 100, y: 0 });
    expect(Array.from({ length: 5 }, () => rr.next()).join('')).toBe('xxxxx');
  });
});

describe('the balancer', () => {
  it('starts at 100/0 and forwards method, path, headers and body', async () => {
    expect(lb.weights()).toEqual({ x: 100, y: 0 });
    const got = await send('/orders?page=2', { method: 'POST', body: '{"n":1}' });
    expect(got).toMatchObject({
      status: 200,
      side: 'x',
      json: { name: 'x', method: 'POST', url: '/orders?page=2', body: '{"n":1}', apikey: 'k1' },
    });
  });

  it('is driven by the real webhook router: 20 % of 1,000 requests go to Y (±2 points)', async () => {
    const router = createWebhookRouter({ url: lb.controlUrl, secret: SECRET }, { attempts: 1 });
    await router.apply({ x: 80, y: 20 });
    expect(await router.read()).toEqual({ x: 80, y: 20 });
    expect(lb.weights()).toEqual({ x: 80, y: 20 });
    const before = lb.stats();
    const pool = new Pool(lb.url, { connections: 8 });
    try {
      const sides = await Promise.all(
        Array.from({ length: 1000 }, async () => {
          const res = await pool.request({ path: '/orders', method: 'GET', headersTimeout: 5000 });
          await res.body.text();
          return res.headers['x-sandbox-upstream'];
        }),
      );
      const toY = sides.filter((s) => s === 'y').length;
      expect(Math.abs(toY / 10 - 20)).toBeLessThanOrEqual(2);
      expect(sides.filter((s) => s === 'x').length).toBe(1000 - toY);
    } finally {
      await pool.close();
    }
    const after = lb.stats();
    expect(after.y.requests - before.y.requests + after.x.requests - before.x.requests).toBe(1000);
    expect(after.ratePerSecond.x + after.ratePerSecond.y).toBeGreaterThan(0);
  });

  it('rejects a wrong or missing signature with 401 and keeps the weights', async () => {
    const router = createWebhookRouter({ url: lb.controlUrl, secret: SECRET }, { attempts: 1 });
    await router.apply({ x: 50, y: 50 });
    const wrong = createWebhookRouter({ url: lb.controlUrl, secret: 'not-the-secret' }, { attempts: 1 });
    await expect(wrong.apply({ x: 0, y: 100 })).rejects.toMatchObject({
      code: 'E_ROUTER_APPLY',
      details: { status: 401 },
    });
    const body = JSON.stringify({ x: 0, y: 100 });
    const unsigned = await request(lb.controlUrl, { method: 'POST', body, headersTimeout: 5000 });
    await unsigned.body.text();
    expect(unsigned.statusCode).toBe(401);
    // A signature over other bytes than those sent is as bad as none.
    const tampered = await request(lb.controlUrl, {
      method: 'POST',
      body,
      headers: { 'x-signature': signWebhookBody('{"x":100,"y":0}', SECRET) },
      headersTimeout: 5000,
    });
    await tampered.body.text();
    expect(tampered.statusCode).toBe(401);
    // A correctly signed call replayed after the 5-minute window, and the body-only scheme, are refused.
    for (const headers of [
      webhookSignatureHeaders(body, SECRET, { now: new Date(Date.now() - 301_000) }),
      webhookSignatureHeaders(body, SECRET, { legacy: true }),
    ]) {
      const res = await request(lb.controlUrl, {
        method: 'POST',
        body,
        headers: { ...headers },
        headersTimeout: 5000,
      });
      await res.body.text();
      expect(res.statusCode).toBe(401);
    }
    expect(lb.weights()).toEqual({ x: 50, y: 50 });
  });

  it('refuses signed weights that do not add up to 100, and unknown paths', async () => {
    for (const body of ['{"x":60,"y":60}', '{"x":-1,"y":101}', 'not json', '{"x":"50","y":"50"}']) {
      const res = await request(lb.controlUrl, {
        method: 'POST',
        body,
        headers: { ...webhookSignatureHeaders(body, SECRET) },
        headersTimeout: 5000,
      });
      await res.body.text();
      expect(res.statusCode, body).toBe(400);
    }
    const other = await request(lb.controlUrl.replace('/weights', '/other'), { headersTimeout: 5000 });
    await other.body.text();
    expect(other.statusCode).toBe(404);
    expect(lb.weights()).toEqual({ x: 50, y: 50 });
  });

  it('counts 5xx per side, and answers 502 when an upstream is down', async () => {
    const router = createWebhookRouter({ url: lb.controlUrl, secret: SECRET }, { attempts: 1 });
    await router.apply({ x: 0, y: 100 });
    const before = lb.stats().y;
    yStatus = 503;
    try {
      expect((await send()).status).toBe(503);
    } finally {
      yStatus = 200;
    }
    expect(lb.stats().y).toEqual({ requests: before.requests + 1, errors5xx: before.errors5xx + 1 });

    const gone = await startWeightedBalancer({ xUrl: 'http://127.0.0.1:9', yUrl: urlOf(y), secret: SECRET });
    try {
      const res = await request(`${gone.url}/orders`, { headersTimeout: 5000, bodyTimeout: 5000 });
      expect(await res.body.text()).toContain('upstream X failed');
      expect(res.statusCode).toBe(502);
      expect(gone.stats().x).toEqual({ requests: 1, errors5xx: 1 });
    } finally {
      await gone.close();
    }
  });
});
