import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { applyAndConfirm } from '../../src/traffic/apply-and-confirm.js';
import {
  createWebhookRouter,
  signWebhookBody,
  verifyWebhookSignature,
} from '../../src/traffic/webhook-router.js';
import { webhookSignatureHeaders } from '../../src/traffic/webhook-signature.js';
import { type FakeWebhookRouter, startFakeWebhookRouter } from '../support/fake-webhook-router.js';

const SECRET = 'test-webhook-secret';

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('webhook signature helpers', () => {
  it('signs with hex HMAC-SHA256 of the exact body', () => {
    const body = '{"x":90,"y":10}';
    const hex = createHmac('sha256', SECRET).update(body).digest('hex');
    expect(signWebhookBody(body, SECRET)).toBe(`sha256=${hex}`);
  });

  it('signs "<timestamp>.<body>" and sends the timestamp in X-Signature-Timestamp', () => {
    const body = '{"x":90,"y":10}';
    const now = new Date('2026-03-01T12:00:00Z');
    const headers = webhookSignatureHeaders(body, SECRET, { now });
    expect(headers['x-signature-timestamp']).toBe(String(now.getTime() / 1000));
    const hex = createHmac('sha256', SECRET)
      .update(`${now.getTime() / 1000}.${body}`)
      .digest('hex');
    expect(headers['x-signature']).toBe(`sha256=${hex}`);
    expect(webhookSignatureHeaders(body, SECRET, { legacy: true })).toEqual({
      'x-signature': signWebhookBody(body, SECRET),
    });
  });

  it('verifies only the matching body, secret, format and a timestamp within 5 minutes', () => {
    const body = '{"x":90,"y":10}';
    const now = new Date('2026-03-01T12:00:00Z');
    const { 'x-signature': sig, 'x-signature-timestamp': ts } = webhookSignatureHeaders(body, SECRET, {
      now,
    });
    const at = (ms: number) => ({ now: new Date(now.getTime() + ms) });
    expect(verifyWebhookSignature(body, sig, ts, SECRET, at(0))).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), sig, ts, SECRET, at(0))).toBe(true);
    expect(verifyWebhookSignature(body, sig, ts, SECRET, at(299_000))).toBe(true);
    expect(verifyWebhookSignature(body, sig, ts, SECRET, at(-299_000))).toBe(true);
    // A replay after the window, or a timestamp changed to look fresh, is refused.
    expect(verifyWebhookSignature(body, sig, ts, SECRET, at(301_000))).toBe(false);
    expect(verifyWebhookSignature(body, sig, String(Number(ts) + 60), SECRET, at(60_000))).toBe(false);
    expect(verifyWebhookSignature(body, sig, `${ts}.5`, SECRET, at(0))).toBe(false);
    expect(verifyWebhookSignature('{"x":10,"y":90}', sig, ts, SECRET, at(0))).toBe(false);
    expect(verifyWebhookSignature(body, sig, ts, 'other-secret', at(0))).toBe(false);
    expect(verifyWebhookSignature(body, sig?.replace('sha256=', ''), ts, SECRET, at(0))).toBe(false);
    expect(verifyWebhookSignature(body, undefined, ts, SECRET, at(0))).toBe(false);
    expect(verifyWebhookSignature(body, '', ts, SECRET, at(0))).toBe(false);
    // The body-only scheme passes only where the receiver still accepts it.
    const legacy = signWebhookBody(body, SECRET);
    expect(verifyWebhookSignature(body, legacy, undefined, SECRET)).toBe(false);
    expect(verifyWebhookSignature(body, legacy, undefined, SECRET, { acceptLegacy: true })).toBe(true);
  });
});

describe('webhook router against a real HTTP endpoint', () => {
  let fake: FakeWebhookRouter;
  beforeAll(async () => {
    fake = await startFakeWebhookRouter(SECRET);
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(() => {
    fake.reportRaw(undefined);
    fake.failNext(200, '', 0);
    fake.requests.length = 0;
  });
  const fast = { timeoutMs: 300, attempts: 3, backoffMs: 5 };

  it('POSTs the exact signed body, then reads the same weights back', async () => {
    const router = createWebhookRouter({ url: fake.url, secret: SECRET }, fast);
    await expect(applyAndConfirm(router, { x: 90, y: 10 })).resolves.toEqual({ x: 90, y: 10 });
    const post = fake.requests.find((r) => r.method === 'POST');
    expect(post?.body).toBe('{"x":90,"y":10}');
    expect(post?.headers['content-type']).toBe('application/json');
    const ts = String(post?.headers['x-signature-timestamp']);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(10);
    expect(verifyWebhookSignature('{"x":90,"y":10}', String(post?.headers['x-signature']), ts, SECRET)).toBe(
      true,
    );
    expect(fake.weights).toEqual({ x: 90, y: 10 });
    await applyAndConfirm(router, { x: 0, y: 100 });
    expect(fake.weights).toEqual({ x: 0, y: 100 });
  });

  it('sends the body-only signature only with legacySignature, which only a legacy receiver accepts', async () => {
    const legacy = createWebhookRouter({ url: fake.url, secret: SECRET, legacySignature: true }, fast);
    const err = await rejection(legacy.apply({ x: 80, y: 20 }));
    expect(err.code).toBe('E_ROUTER_APPLY');
    const post = fake.requests.find((r) => r.method === 'POST');
    expect(post?.headers['x-signature-timestamp']).toBeUndefined();
    expect(post?.headers['x-signature']).toBe(signWebhookBody('{"x":80,"y":20}', SECRET));
    const old = await startFakeWebhookRouter(SECRET, '/weights', { acceptLegacy: true });
    try {
      const router = createWebhookRouter({ url: old.url, secret: SECRET, legacySignature: true }, fast);
      await expect(applyAndConfirm(router, { x: 80, y: 20 })).resolves.toEqual({ x: 80, y: 20 });
    } finally {
      await old.close();
    }
  });

  it('a wrong secret is refused by the endpoint and surfaces as E_ROUTER_APPLY naming the secret', async () => {
    fake.weights = { x: 100, y: 0 };
    const router = createWebhookRouter({ url: fake.url, secret: 'wrong' }, fast);
    const err = await rejection(router.apply({ x: 50, y: 50 }));
    expect(err.code).toBe('E_ROUTER_APPLY');
    expect(err.message).toContain('401');
    expect(err.message).toContain('secret');
    expect(err.message).not.toContain('wrong');
    expect(fake.weights).toEqual({ x: 100, y: 0 });
  });

  it('retries a 500 and succeeds when the endpoint recovers', async () => {
    fake.failNext(500, 'boom', 2);
    const router = createWebhookRouter({ url: fake.url, secret: SECRET }, fast);
    await router.apply({ x: 75, y: 25 });
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
    expect(fake.weights).toEqual({ x: 75, y: 25 });
  });

  it('a lasting 500 is E_ROUTER_APPLY with status and body excerpt, after bounded attempts', async () => {
    fake.failNext(500, 'upstream config store is down', 10);
    const router = createWebhookRouter({ url: fake.url, secret: SECRET }, fast);
    const err = await rejection(router.apply({ x: 50, y: 50 }));
    expect(err.code).toBe('E_ROUTER_APPLY');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('HTTP 500');
    expect(err.message).toContain('upstream config store is down');
    expect(fake.requests).toHaveLength(3);
  });

  it('a 400 is not retried', async () => {
    fake.failNext(400, 'nope', 10);
    const router = createWebhookRouter({ url: fake.url, secret: SECRET }, fast);
    const err = await rejection(router.apply({ x: 50, y: 50 }));
    expect(err.code).toBe('E_ROUTER_APPLY');
    expect(err.retryable).toBe(false);
    expect(fake.requests).toHaveLength(1);
  });

  it('a hanging endpoint times out as E_ROUTER_UNREACHABLE', async () => {
    fake.hangNext(5);
    const router = createWebhookRouter(
      { url: fake.url, secret: SECRET },
      { timeoutMs: 100, attempts: 2, backoffMs: 5 },
    );
    const started = Date.now();
    const err = await rejection(router.read());
    expect(err.code).toBe('E_ROUTER_UNREACHABLE');
    expect(err.message).toContain('no answer within 100 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
    fake.hangNext(0);
  });

  it('nothing listening is E_ROUTER_UNREACHABLE and the URL password is masked', async () => {
    const router = createWebhookRouter(
      { url: 'http://user:s3cret@127.0.0.1:1/weights', secret: SECRET },
      fast,
    );
    const err = await rejection(router.apply({ x: 50, y: 50 }));
    expect(err.code).toBe('E_ROUTER_UNREACHABLE');
    expect(err.message).not.toContain('s3cret');
    expect(router.describe({ x: 50, y: 50 })).not.toContain('s3cret');
  });

  it.each([
    ['not JSON', 'hello'],
    ['missing y', '{"x":100}'],
    ['not adding to 100', '{"x":60,"y":60}'],
    ['fractions', '{"x":50.5,"y":49.5}'],
    ['strings', '{"x":"90","y":"10"}'],
  ])('a GET answer with a wrong shape (%s) is E_ROUTER_READBACK', async (_name, body) => {
    fake.reportRaw(body);
    const router = createWebhookRouter({ url: fake.url, secret: SECRET }, fast);
    const err = await rejection(router.read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('{"x":90,"y":10}');
  });

  it('a GET error status is E_ROUTER_READBACK', async () => {
    fake.failNext(404, 'no such thing', 1);
    const router = createWebhookRouter({ url: fake.url, secret: SECRET }, fast);
    const err = await rejection(router.read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('HTTP 404');
  });

  it('applyAndConfirm rejects a read-back that differs, naming expected and actual', async () => {
    fake.reportRaw('{"x":95,"y":5}');
    const router = createWebhookRouter({ url: fake.url, secret: SECRET }, fast);
    const err = await rejection(applyAndConfirm(router, { x: 75, y: 25 }));
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('x=75 % / y=25 %');
    expect(err.message).toContain('x=95 % / y=5 %');
    expect(err.details).toMatchObject({ expected: { x: 75, y: 25 }, actual: { x: 95, y: 5 } });
  });

  it('invalid weights are refused before any call', async () => {
    const router = createWebhookRouter({ url: fake.url, secret: SECRET }, fast);
    const err = await rejection(router.apply({ x: 60, y: 50 }));
    expect(err.code).toBe('E_INVALID_INPUT');
    expect(fake.requests).toHaveLength(0);
  });
});
