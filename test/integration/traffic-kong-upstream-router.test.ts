import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { applyAndConfirm } from '../../src/traffic/apply-and-confirm.js';
import {
  createKongUpstreamRouter,
  type KongUpstreamRouterOptions,
} from '../../src/traffic/kong-upstream-router.js';
import { type FakeKongUpstreamApi, startFakeKongUpstreamApi } from '../support/fake-kong-upstream-api.js';

const X = 'kong-x:8000';
const Y = 'kong-y:8000';
const TOKEN = 'admin-token-secret';
const fast = { timeoutMs: 500, attempts: 3, backoffMs: 5 };

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('kong-upstream router against a fake Kong Admin API', () => {
  let kong: FakeKongUpstreamApi | undefined;
  afterEach(async () => {
    await kong?.close();
    kong = undefined;
  });
  async function start(
    extra: { targets?: Record<string, number>; pageSize?: number } = {},
  ): Promise<{ kong: FakeKongUpstreamApi; options: KongUpstreamRouterOptions }> {
    kong = await startFakeKongUpstreamApi({
      upstream: 'kong-clusters',
      targets: extra.targets ?? { [X]: 1000, [Y]: 0 },
      adminToken: TOKEN,
      pageSize: extra.pageSize,
    });
    return {
      kong,
      options: { adminUrl: kong.url, adminToken: TOKEN, upstream: 'kong-clusters', xTarget: X, yTarget: Y },
    };
  }

  it('reads percent from target weights, sending the admin token', async () => {
    const { kong, options } = await start();
    const router = createKongUpstreamRouter(options, fast);
    await expect(router.read()).resolves.toEqual({ x: 100, y: 0 });
    expect(kong.requests[0]?.path).toBe('/upstreams/kong-clusters/targets?size=1000');
    expect(kong.requests[0]?.headers['kong-admin-token']).toBe(TOKEN);
  });

  it('maps percent to weight ×10 and raises the growing side first', async () => {
    const { kong, options } = await start();
    const router = createKongUpstreamRouter(options, fast);
    await expect(applyAndConfirm(router, { x: 90, y: 10 })).resolves.toEqual({ x: 90, y: 10 });
    const patches = kong.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((p) => [p.path, p.body, p.headers['content-type']])).toEqual([
      [`/upstreams/kong-clusters/targets/${Y}`, '{"weight":100}', 'application/json'],
      [`/upstreams/kong-clusters/targets/${X}`, '{"weight":900}', 'application/json'],
    ]);
    expect(kong.weights()).toEqual({ [X]: 900, [Y]: 100 });

    kong.requests.length = 0;
    await applyAndConfirm(router, { x: 100, y: 0 });
    expect(kong.requests.filter((r) => r.method === 'PATCH').map((p) => p.path)).toEqual([
      `/upstreams/kong-clusters/targets/${X}`,
      `/upstreams/kong-clusters/targets/${Y}`,
    ]);
    expect(kong.weights()).toEqual({ [X]: 1000, [Y]: 0 });
    await applyAndConfirm(router, { x: 0, y: 100 });
    expect(kong.weights()).toEqual({ [X]: 0, [Y]: 1000 });
  });

  it('rounds weights set by someone else to whole percents', async () => {
    const { options } = await start({ targets: { [X]: 1, [Y]: 3 } });
    await expect(createKongUpstreamRouter(options, fast).read()).resolves.toEqual({ x: 25, y: 75 });
  });

  it('follows `next` across pages', async () => {
    const { kong, options } = await start({ targets: { 'other:80': 5, [X]: 700, [Y]: 300 }, pageSize: 1 });
    await expect(createKongUpstreamRouter(options, fast).read()).resolves.toEqual({ x: 70, y: 30 });
    expect(kong.requests).toHaveLength(3);
  });

  it('a missing target is E_ROUTER_READBACK naming it and what exists', async () => {
    const { kong, options } = await start();
    kong.removeTarget(Y);
    const err = await rejection(createKongUpstreamRouter(options, fast).read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain(`no target ${Y}`);
    expect(err.message).toContain(`it has: ${X}`);
  });

  it('PATCH of a missing target is E_ROUTER_APPLY telling how to create it', async () => {
    const { kong, options } = await start();
    kong.removeTarget(Y);
    const err = await rejection(createKongUpstreamRouter(options, fast).apply({ x: 50, y: 50 }));
    expect(err.code).toBe('E_ROUTER_APPLY');
    expect(err.message).toContain('HTTP 404');
    expect(err.message).toContain('POST /upstreams/{u}/targets');
  });

  it('both weights 0 is E_ROUTER_READBACK', async () => {
    const { options } = await start({ targets: { [X]: 0, [Y]: 0 } });
    const err = await rejection(createKongUpstreamRouter(options, fast).read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('weight 0');
  });

  it('a wrong admin token is refused; the message names the token setting, never the token', async () => {
    const { options } = await start();
    const router = createKongUpstreamRouter({ ...options, adminToken: 'wrong-token-value' }, fast);
    const err = await rejection(router.read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('401');
    expect(err.message).toContain('admin token');
    expect(err.message).not.toContain('wrong-token-value');
  });

  it('retries a 500 on PATCH (same absolute weight is idempotent)', async () => {
    const { kong, options } = await start();
    kong.failNext(500, '{"message":"An unexpected error occurred"}', 1, 'PATCH');
    await applyAndConfirm(createKongUpstreamRouter(options, fast), { x: 50, y: 50 });
    expect(kong.weights()).toEqual({ [X]: 500, [Y]: 500 });
    expect(kong.requests.filter((r) => r.method === 'PATCH')).toHaveLength(3);
  });

  it('a lasting 500 is E_ROUTER_APPLY after bounded attempts', async () => {
    const { kong, options } = await start();
    kong.failNext(500, '{"message":"An unexpected error occurred"}', 10, 'PATCH');
    const err = await rejection(createKongUpstreamRouter(options, fast).apply({ x: 50, y: 50 }));
    expect(err.code).toBe('E_ROUTER_APPLY');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('An unexpected error occurred');
    expect(kong.requests.filter((r) => r.method === 'PATCH')).toHaveLength(3);
  });

  it('a list in the wrong shape is E_ROUTER_READBACK', async () => {
    const { kong, options } = await start();
    kong.failNext(200, '{"targets":[]}', 1, 'GET');
    const err = await rejection(createKongUpstreamRouter(options, fast).read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain("not in Kong's format");
  });

  it('applyAndConfirm rejects when Kong reports something else afterwards', async () => {
    const { kong, options } = await start();
    const other = JSON.stringify({
      data: [
        { target: X, weight: 500 },
        { target: Y, weight: 500 },
      ],
      next: null,
    });
    kong.failNext(200, other, 2, 'GET');
    const err = await rejection(applyAndConfirm(createKongUpstreamRouter(options, fast), { x: 95, y: 5 }));
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('x=95 % / y=5 %');
    expect(err.message).toContain('x=50 % / y=50 %');
  });

  it('an unreachable Kong is E_ROUTER_UNREACHABLE', async () => {
    const router = createKongUpstreamRouter(
      { adminUrl: 'http://127.0.0.1:1', upstream: 'u', xTarget: X, yTarget: Y },
      fast,
    );
    expect((await rejection(router.read())).code).toBe('E_ROUTER_UNREACHABLE');
    expect((await rejection(router.apply({ x: 50, y: 50 }))).code).toBe('E_ROUTER_UNREACHABLE');
  });
});
