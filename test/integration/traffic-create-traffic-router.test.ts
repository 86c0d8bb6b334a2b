import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { applyAndConfirm, createTrafficRouter } from '../../src/traffic/create-traffic-router.js';
import type { TrafficRouter } from '../../src/traffic/traffic-router.js';
import { type FakeWebhookRouter, startFakeWebhookRouter } from '../support/fake-webhook-router.js';

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('createTrafficRouter', () => {
  let dir: string;
  let webhook: FakeWebhookRouter;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kub-factory-'));
    webhook = await startFakeWebhookRouter('s');
  });
  afterAll(async () => {
    await webhook.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('builds the router named by `router` from its own section', () => {
    const kinds: Array<[TrafficRouter['kind'], TrafficRouter]> = [
      [
        'nginx',
        createTrafficRouter({
          router: 'nginx',
          nginx: {
            upstreamFile: join(dir, 'u.conf'),
            upstreamName: 'kong',
            xServer: 'x:1',
            yServer: 'y:1',
            testCommand: ['nginx', '-t'],
            reloadCommand: ['nginx', '-s', 'reload'],
          },
        }),
      ],
      [
        'kubernetes-gateway',
        createTrafficRouter({
          router: 'kubernetes-gateway',
          'kubernetes-gateway': {
            apiUrl: 'https://k8s:6443',
            tokenFile: '/t',
            namespace: 'n',
            httpRoute: 'r',
            xBackend: 'x',
            yBackend: 'y',
          },
        }),
      ],
      [
        'kong-upstream',
        createTrafficRouter({
          router: 'kong-upstream',
          'kong-upstream': { adminUrl: 'http://k:8001', upstream: 'u', xTarget: 'x:1', yTarget: 'y:1' },
        }),
      ],
      ['webhook', createTrafficRouter({ router: 'webhook', webhook: { url: webhook.url, secret: 's' } })],
    ];
    for (const [kind, router] of kinds) {
      expect(router.kind).toBe(kind);
      expect(router.describe({ x: 95, y: 5 })).toMatch(new RegExp(`^${kind}: `));
    }
  });

  it('a missing section is E_CONFIG_INVALID naming the key', () => {
    for (const router of ['nginx', 'kubernetes-gateway', 'kong-upstream', 'webhook'] as const) {
      let caught: unknown;
      try {
        createTrafficRouter({ router });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe('E_CONFIG_INVALID');
      expect((caught as AppError).message).toContain(`traffic.${router}`);
    }
  });

  it('passes timeouts through (a hanging router fails fast)', async () => {
    webhook.hangNext(1);
    const router = createTrafficRouter(
      { router: 'webhook', webhook: { url: webhook.url, secret: 's' } },
      { timeoutMs: 100, attempts: 1 },
    );
    const started = Date.now();
    expect((await rejection(router.read())).code).toBe('E_ROUTER_UNREACHABLE');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('applyAndConfirm resolves with the confirmed weights, and honours an aborted signal', async () => {
    const router = createTrafficRouter({ router: 'webhook', webhook: { url: webhook.url, secret: 's' } });
    await expect(applyAndConfirm(router, { x: 50, y: 50 })).resolves.toEqual({ x: 50, y: 50 });
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(applyAndConfirm(router, { x: 25, y: 75 }, controller.signal));
    expect(err.code).toBe('E_ROUTER_UNREACHABLE');
    expect(err.message).toContain('cancelled');
    expect(webhook.weights).toEqual({ x: 50, y: 50 });
  });
});
