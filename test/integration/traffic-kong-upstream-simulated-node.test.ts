import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { applyAndConfirm, createTrafficRouter } from '../../src/traffic/create-traffic-router.js';
import type { TrafficRouter } from '../../src/traffic/traffic-router.js';
import { type SlowHttpProxy, startSlowHttpProxy } from '../support/slow-http-proxy.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const TOKEN = 'front-kong-admin-token-77';
const X = 'kong-x:8000';
const Y = 'kong-y:8000';
const fast = { timeoutMs: 2000, attempts: 2, backoffMs: 5 };

let db: TestDatabase;
let node: SimulatedKongNode;
let proxy: SlowHttpProxy;
let upstream: string;

async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${node.adminUrl}${path}`, {
    method,
    headers: { 'kong-admin-token': TOKEN, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}

/** What Kong's own database holds for the upstream's targets: the source of truth behind the Admin API. */
async function storedWeights(): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const res = await client.query<{ target: string; weight: number }>(
      `SELECT t.target, t.weight FROM targets t JOIN upstreams u ON u.id = t.upstream_id WHERE u.name = $1`,
      [upstream],
    );
    return Object.fromEntries(res.rows.map((r) => [r.target, r.weight]));
  } finally {
    await client.end();
  }
}

function routerVia(
  adminUrl: string,
  overrides: { upstream?: string; adminToken?: string } = {},
): TrafficRouter {
  return createTrafficRouter(
    {
      router: 'kong-upstream',
      'kong-upstream': {
        adminUrl,
        adminToken: overrides.adminToken ?? TOKEN,
        upstream: overrides.upstream ?? upstream,
        xTarget: X,
        yTarget: Y,
      },
    },
    fast,
  );
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

beforeAll(async () => {
  db = await createTestDatabase('kub_kupsim');
  await seedKongDatabase(db.url, {
    version: '3.9.1',
    services: 2,
    routesPerService: 1,
    consumers: 2,
    upstreams: 1,
    targetsPerUpstream: 1,
    seed: 11,
  });
  node = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.9.1', adminToken: TOKEN });
  proxy = await startSlowHttpProxy(node.adminUrl);
  const list = await admin('GET', '/upstreams');
  const first = (list.json as { data: { name: string }[] }).data[0];
  if (!first) throw new Error('the seed made no upstream');
  upstream = first.name;
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await node?.close();
  await db?.drop();
});

describe('kong-upstream router against the simulated Kong 3.9 node', () => {
  beforeEach(async () => {
    // A front Kong for the upgrade: exactly the two cluster targets, all traffic on X.
    const targets = await admin('GET', `/upstreams/${upstream}/targets`);
    for (const t of (targets.json as { data: { id: string }[] }).data) {
      expect((await admin('DELETE', `/upstreams/${upstream}/targets/${t.id}`)).status).toBe(204);
    }
    expect((await admin('POST', `/upstreams/${upstream}/targets`, { target: X, weight: 1000 })).status).toBe(
      201,
    );
    expect((await admin('POST', `/upstreams/${upstream}/targets`, { target: Y, weight: 0 })).status).toBe(
      201,
    );
    proxy.requests.length = 0;
  });

  it('reads 100 % X from a weight-0 Y target, which Kong 3.x still lists', async () => {
    await expect(routerVia(node.adminUrl).read()).resolves.toEqual({ x: 100, y: 0 });
  });

  it('applies 20 % with PATCHes of both targets (Y first) and reads it back from Kong', async () => {
    const router = routerVia(proxy.url);
    await expect(applyAndConfirm(router, { x: 80, y: 20 })).resolves.toEqual({ x: 80, y: 20 });
    const writes = proxy.requests.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => [r.method, r.path, r.body])).toEqual([
      ['PATCH', `/upstreams/${upstream}/targets/${Y}`, '{"weight":200}'],
      ['PATCH', `/upstreams/${upstream}/targets/${X}`, '{"weight":800}'],
    ]);
    // The node wrote Kong's database and answers the same through its own item endpoint.
    expect(await storedWeights()).toEqual({ [X]: 800, [Y]: 200 });
    const y = await admin('GET', `/upstreams/${upstream}/targets/${Y}`);
    expect(y.status).toBe(200);
    expect(y.json).toMatchObject({ target: Y, weight: 200 });
    await expect(routerVia(node.adminUrl).read()).resolves.toEqual({ x: 80, y: 20 });
  });

  it('moves to 100 % Y and back to 0 %, lowering the shrinking side last', async () => {
    const router = routerVia(proxy.url);
    await expect(applyAndConfirm(router, { x: 0, y: 100 })).resolves.toEqual({ x: 0, y: 100 });
    expect(await storedWeights()).toEqual({ [X]: 0, [Y]: 1000 });
    proxy.requests.length = 0;
    await expect(applyAndConfirm(router, { x: 100, y: 0 })).resolves.toEqual({ x: 100, y: 0 });
    expect(await storedWeights()).toEqual({ [X]: 1000, [Y]: 0 });
    // Y shrinks: X is raised first so that no moment has both targets at weight 0.
    expect(proxy.requests.filter((r) => r.method === 'PATCH').map((r) => r.path)).toEqual([
      `/upstreams/${upstream}/targets/${X}`,
      `/upstreams/${upstream}/targets/${Y}`,
    ]);
  });

  it('reads weights that someone changed on the node directly', async () => {
    const router = routerVia(node.adminUrl);
    await applyAndConfirm(router, { x: 75, y: 25 });
    expect((await admin('PATCH', `/upstreams/${upstream}/targets/${Y}`, { weight: 750 })).status).toBe(200);
    await expect(router.read()).resolves.toEqual({ x: 50, y: 50 });
  });

  it('a missing Y target is named, with what the upstream has, on read and on apply', async () => {
    expect((await admin('DELETE', `/upstreams/${upstream}/targets/${Y}`)).status).toBe(204);
    const router = routerVia(node.adminUrl);
    const read = await rejection(router.read());
    expect(read.code).toBe('E_ROUTER_READBACK');
    expect(read.message).toContain(`no target ${Y}`);
    expect(read.message).toContain(`(it has: ${X})`);
    const apply = await rejection(applyAndConfirm(router, { x: 50, y: 50 }));
    expect(apply.code).toBe('E_ROUTER_APPLY');
    expect(apply.message).toContain(`target ${Y}`);
    expect(apply.message).toContain('HTTP 404');
    expect(apply.message).toContain('POST /upstreams/{u}/targets');
    // Nothing was half-applied: X keeps all the traffic.
    expect(await storedWeights()).toEqual({ [X]: 1000 });
  });

  it('an unknown upstream and a wrong admin token are told apart, the token never shown', async () => {
    const unknown = await rejection(routerVia(node.adminUrl, { upstream: 'no-such-upstream' }).read());
    expect(unknown.code).toBe('E_ROUTER_READBACK');
    expect(unknown.message).toContain('HTTP 404');
    expect(unknown.message).toContain('upstream "no-such-upstream" exists');
    const denied = await rejection(routerVia(node.adminUrl, { adminToken: 'wrong-token-123' }).read());
    expect(denied.code).toBe('E_ROUTER_READBACK');
    expect(denied.message).toContain('HTTP 401');
    expect(denied.message).toContain('admin token');
    expect(denied.message).not.toContain('wrong-token-123');
  });

  it('both targets at weight 0 on the node is refused on read', async () => {
    expect((await admin('PATCH', `/upstreams/${upstream}/targets/${X}`, { weight: 0 })).status).toBe(200);
    const err = await rejection(routerVia(node.adminUrl).read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('weight 0');
  });
});
