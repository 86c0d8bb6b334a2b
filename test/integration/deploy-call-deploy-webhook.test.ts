import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callDeployWebhook, type DeployWebhookBody } from '../../src/deploy/call-deploy-webhook.js';
import { type AppError, isAppError } from '../../src/errors.js';
import { signWebhookBody } from '../../src/traffic/webhook-signature.js';
import { type FakeDeployWebhook, startFakeDeployWebhook } from '../support/fake-deploy-webhook.js';

const SECRET = 'deploy-secret-123';
const BODY: DeployWebhookBody = {
  run: 'prod-7',
  environment: 'prod',
  targetVersion: '3.9.1',
  clusterY: { adminUrl: 'http://admin:token-pw@kong-y-admin:8001', proxyUrl: 'http://kong-y:8000' },
};

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected the promise to reject');
}

let hook: FakeDeployWebhook;
beforeAll(async () => {
  hook = await startFakeDeployWebhook(SECRET);
});
afterAll(async () => {
  await hook.close();
});
beforeEach(() => {
  hook.requests.length = 0;
  hook.answer(202, '{"accepted":true}');
});

describe('callDeployWebhook', () => {
  it('POSTs the non-secret facts, signed the same way as the traffic webhook', async () => {
    const result = await callDeployWebhook({ url: hook.url, secret: SECRET, body: BODY, timeoutMs: 5000 });
    expect(result.status).toBe(202);
    expect(result.excerpt).toBe('{"accepted":true}');
    const req = hook.requests[0];
    expect(req?.signatureValid).toBe(true);
    const timestamp = String(req?.headers['x-signature-timestamp']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(10);
    expect(req?.headers['x-signature']).toBe(
      `sha256=${createHmac('sha256', SECRET)
        .update(`${timestamp}.${req?.body ?? ''}`)
        .digest('hex')}`,
    );
    // The body-only signature of old is not what is sent.
    expect(req?.headers['x-signature']).not.toBe(signWebhookBody(req?.body ?? '', SECRET));
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['idempotency-key']).toBe('prod-7.deploy');
    const sent = JSON.parse(req?.body ?? '{}') as Record<string, unknown>;
    expect(sent).toEqual({
      run: 'prod-7',
      environment: 'prod',
      targetVersion: '3.9.1',
      clusterY: { adminUrl: 'http://****:****@kong-y-admin:8001', proxyUrl: 'http://kong-y:8000' },
    });
    expect(req?.body).not.toContain('token-pw');
    expect(req?.body).not.toContain(SECRET);
  });

  it('a wrong secret is refused by the receiver: E_DEPLOY_FAILED, not retryable, remedy names the secret', async () => {
    const err = await failure(
      callDeployWebhook({ url: hook.url, secret: 'wrong', body: BODY, timeoutMs: 5000 }),
    );
    expect(hook.requests[0]?.signatureValid).toBe(false);
    expect(err.code).toBe('E_DEPLOY_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('HTTP 401');
    expect(String(err.details.remedy)).toContain('deploy.webhook.secret');
  });

  it('a 5xx is E_DEPLOY_FAILED and retryable, with the answer excerpt (scrubbed of the secret)', async () => {
    hook.answer(503, `pipeline busy, secret was ${SECRET}`);
    const err = await failure(
      callDeployWebhook({ url: hook.url, secret: SECRET, body: BODY, timeoutMs: 5000 }),
    );
    expect(err.code).toBe('E_DEPLOY_FAILED');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('HTTP 503: pipeline busy, secret was ****');
    expect(err.message).not.toContain(SECRET);
  });

  it('a 4xx other than auth is not retryable', async () => {
    hook.answer(422, '');
    const err = await failure(
      callDeployWebhook({ url: hook.url, secret: SECRET, body: BODY, timeoutMs: 5000 }),
    );
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/answered HTTP 422\.$/);
  });

  it('no answer in time is E_DEPLOY_TIMEOUT', async () => {
    const slow = await startFakeDeployWebhook(SECRET);
    slow.hang();
    try {
      const started = Date.now();
      const err = await failure(
        callDeployWebhook({ url: slow.url, secret: SECRET, body: BODY, timeoutMs: 300 }),
      );
      expect(Date.now() - started).toBeLessThan(3000);
      expect(err.code).toBe('E_DEPLOY_TIMEOUT');
      expect(err.message).toContain('no answer within');
    } finally {
      await slow.close();
    }
  });

  it('an unreachable URL is E_DEPLOY_FAILED and retryable; the password in the URL is masked', async () => {
    const dead = await startFakeDeployWebhook(SECRET);
    const url = dead.url.replace('http://', 'http://ci:url-pass@');
    await dead.close();
    const err = await failure(callDeployWebhook({ url, secret: SECRET, body: BODY, timeoutMs: 2000 }));
    expect(err.code).toBe('E_DEPLOY_FAILED');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('did not answer');
    expect(err.message).not.toContain('url-pass');
  });

  it('honours the abort signal', async () => {
    const slow = await startFakeDeployWebhook(SECRET);
    slow.hang();
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const err = await failure(
        callDeployWebhook({
          url: slow.url,
          secret: SECRET,
          body: BODY,
          timeoutMs: 10_000,
          signal: controller.signal,
        }),
      );
      expect(err.message).toContain('cancelled');
      expect(err.retryable).toBe(true);
    } finally {
      await slow.close();
    }
  });
});
