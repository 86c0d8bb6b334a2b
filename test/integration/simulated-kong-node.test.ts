import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeedSummary, seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let node: SimulatedKongNode;
let seeded: SeedSummary;

const json = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
};
const send = (method: string, body: unknown) => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

beforeAll(async () => {
  db = await createTestDatabase('kub_simnode');
  // 1,250 services x 2 routes = 2,500 plain routes (+2 regex routes).
  seeded = await seedKongDatabase(db.url, {
    version: '3.9.1',
    services: 1250,
    routesPerService: 2,
    consumers: 20,
  });
  node = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.9.1' });
});

afterAll(async () => {
  await node?.close();
  await db?.drop();
});

describe('simulated Kong node (3.x): Admin API', () => {
  it('GET / has the Kong 3.x shape', async () => {
    const { status, headers, body } = await json(`${node.adminUrl}/`);
    expect(status).toBe(200);
    expect(headers.get('server')).toBe('kong/3.9.1');
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(body).toMatchObject({
      tagline: 'Welcome to kong',
      version: '3.9.1',
      edition: 'community',
      node_id: node.nodeId,
    });
    const plugins = body.plugins as {
      available_on_server: Record<string, unknown>;
      enabled_in_cluster: string[];
    };
    expect(plugins.available_on_server['key-auth']).toEqual({ version: '3.9.1', priority: 1250 });
    expect(plugins.available_on_server.redirect).toBeDefined();
    expect(plugins.enabled_in_cluster).toEqual(['key-auth', 'prometheus', 'rate-limiting']);
    expect((body.configuration as Record<string, unknown>).router_flavor).toBe('traditional_compatible');
    expect(JSON.stringify(body)).not.toContain('postgres@');
    expect((await fetch(`${node.adminUrl}/`, { method: 'DELETE' })).status).toBe(405);
  });

  it('GET /status reflects the database really answering, and setHealthy(false)', async () => {
    const ok = await json(`${node.adminUrl}/status`);
    expect(ok.status).toBe(200);
    expect(ok.body.database).toEqual({ reachable: true });
    const server = ok.body.server as Record<string, number>;
    expect(Object.keys(server).sort()).toEqual([
      'connections_accepted',
      'connections_active',
      'connections_handled',
      'connections_reading',
      'connections_waiting',
      'connections_writing',
      'total_requests',
    ]);
    expect(server.total_requests).toBeGreaterThan(0);
    expect((await json(`${node.statusUrl}/status/ready`)).status).toBe(200);
    node.setHealthy(false);
    try {
      expect((await json(`${node.statusUrl}/status`)).body.database).toEqual({ reachable: false });
      const ready = await json(`${node.statusUrl}/status/ready`);
      expect(ready).toMatchObject({ status: 503, body: { message: 'failed to connect to database' } });
      expect((await json(`${node.adminUrl}/services`)).status).toBe(500);
    } finally {
      node.setHealthy(true);
    }
  });

  it('pages through 2,500+ routes with Kong offsets and next paths', async () => {
    const ids: string[] = [];
    let next: string | null = '/routes?size=1000';
    let pages = 0;
    while (next) {
      const page = await json(`${node.adminUrl}${next}`);
      expect(page.status).toBe(200);
      const data = page.body.data as { id: string }[];
      ids.push(...data.map((r) => r.id));
      next = page.body.next as string | null;
      if (next) {
        const offset = page.body.offset as string;
        expect(offset).toMatch(/^[A-Za-z0-9+/]+$/);
        expect(JSON.parse(Buffer.from(offset, 'base64').toString())).toEqual([data[data.length - 1]?.id]);
        expect(next).toBe(`/routes?offset=${encodeURIComponent(offset)}&size=1000`);
      } else {
        expect(page.body).not.toHaveProperty('offset');
        expect(page.body.next).toBeNull();
      }
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(ids.length).toBe(seeded.counts.routes);
    expect(ids.length).toBe(2502);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const first = await json(`${node.adminUrl}/routes`);
    expect((first.body.data as unknown[]).length).toBe(100);
    expect(first.body.next).toBe(`/routes?offset=${encodeURIComponent(first.body.offset as string)}`);
  });

  it('filters by tags and carries tags and size into next', async () => {
    const page = await json(`${node.adminUrl}/services?tags=team-0&size=2`);
    const data = page.body.data as { tags: string[] }[];
    expect(data).toHaveLength(2);
    expect(data.every((s) => s.tags.includes('team-0'))).toBe(true);
    expect(page.body.next).toBe(
      `/services?offset=${encodeURIComponent(page.body.offset as string)}&tags=team-0&size=2`,
    );
    const second = await json(`${node.adminUrl}${page.body.next as string}`);
    expect((second.body.data as { tags: string[] }[]).every((s) => s.tags.includes('team-0'))).toBe(true);
    // Nested collections do not carry size into next (kong/api/endpoints.lua).
    const nested = await json(`${node.adminUrl}/services/orders/routes?size=1`);
    expect(nested.body.next).toBe(
      `/services/orders/routes?offset=${encodeURIComponent(nested.body.offset as string)}`,
    );
  });

  it('rejects bad size and offset as Kong does', async () => {
    for (const size of ['0', '1001', '2.5', '-3']) {
      const r = await json(`${node.adminUrl}/routes?size=${size}`);
      expect(r).toMatchObject({ status: 400, body: { code: 9, name: 'invalid size' } });
    }
    expect((await json(`${node.adminUrl}/routes?size=abc`)).body.message).toBe('size must be a number');
    const bad = await json(`${node.adminUrl}/routes?offset=%%%`);
    expect(bad).toMatchObject({ status: 400, body: { code: 7, name: 'invalid offset' } });
    expect(bad.body.message).toBe("'%%%' is not a valid offset: bad base64 encoding");
  });

  it('gets entities by id or name, nested collections, and 404s like Kong', async () => {
    const byName = await json(`${node.adminUrl}/services/orders`);
    expect(byName.body).toMatchObject({
      name: 'orders',
      protocol: 'http',
      port: 80,
      retries: 5,
      enabled: true,
    });
    expect(typeof byName.body.created_at).toBe('number');
    const byId = await json(`${node.adminUrl}/services/${byName.body.id as string}`);
    expect(byId.body).toEqual(byName.body);
    const routes = await json(`${node.adminUrl}/services/orders/routes`);
    expect((routes.body.data as { name: string }[]).map((r) => r.name).sort()).toEqual([
      'orders-regex-route',
      'orders-route',
      'orders-route-1',
    ]);
    const consumer = await json(`${node.adminUrl}/consumers/consumer-0000000`);
    expect(await json(`${node.adminUrl}/consumers/${consumer.body.id as string}/plugins`)).toMatchObject({
      status: 200,
      body: { data: [], next: null },
    });
    expect((await json(`${node.adminUrl}/consumers/consumer-0000000/key-auth`)).body.data).toHaveLength(1);
    for (const path of [
      '/services/nope',
      '/targets',
      '/nothing',
      '/routes/00000000-0000-0000-0000-000000000000',
    ]) {
      expect(await json(`${node.adminUrl}${path}`)).toMatchObject({
        status: 404,
        body: { message: 'Not found' },
      });
    }
    for (const c of [
      'plugins',
      'upstreams',
      'certificates',
      'snis',
      'ca_certificates',
      'key-auths',
      'consumers',
    ]) {
      const r = await json(`${node.adminUrl}/${c}?size=5`);
      expect(r.status).toBe(200);
      expect((r.body.data as unknown[]).length).toBeGreaterThan(0);
    }
  });

  it('PATCH /routes and /services change what GET returns and what the proxy routes', async () => {
    const patched = await json(
      `${node.adminUrl}/routes/orders-route-1`,
      send('PATCH', { paths: ['/renamed'] }),
    );
    expect(patched.status).toBe(200);
    expect(patched.body.paths).toEqual(['/renamed']);
    expect((await json(`${node.adminUrl}/routes/${patched.body.id as string}`)).body.paths).toEqual([
      '/renamed',
    ]);
    // orders is key-auth protected: a 401 (not a 404) proves the proxy sees the new path at once.
    expect((await fetch(`${node.proxyUrl}/renamed`)).status).toBe(401);
    const svc = await json(`${node.adminUrl}/services/payments`, send('PATCH', { port: 8443, retries: 2 }));
    expect(svc.body).toMatchObject({ port: 8443, retries: 2 });
    const bad = await json(
      `${node.adminUrl}/services/payments`,
      send('PATCH', { port: 70000, colour: 'red' }),
    );
    expect(bad).toMatchObject({ status: 400, body: { code: 2, name: 'schema violation' } });
    expect((bad.body.fields as Record<string, string>).colour).toBe('unknown field');
    expect((await json(`${node.adminUrl}/services/nope`, send('PATCH', { port: 1 }))).status).toBe(404);
    const dup = await json(`${node.adminUrl}/routes/orders-route`, send('PATCH', { name: 'payments-route' }));
    expect(dup).toMatchObject({ status: 409, body: { code: 5 } });
  });

  it('creates, reads, updates and deletes upstream targets like Kong 3.x', async () => {
    const base = `${node.adminUrl}/upstreams/orders-upstream/targets`;
    const created = await json(base, send('POST', { target: '10.0.0.9:8080', weight: 50 }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ target: '10.0.0.9:8080', weight: 50, tags: null });
    expect(typeof created.body.created_at).toBe('number');
    expect((await json(base, send('POST', { target: '10.0.0.9:8080' }))).status).toBe(409);
    expect((await json(base, send('POST', { target: 'bad target!' }))).status).toBe(400);
    expect((await json(`${base}/10.0.0.9:8080`)).body.weight).toBe(50);
    expect((await json(`${base}/10.0.0.9:8080`, send('PATCH', { weight: 0 }))).body).toMatchObject({
      weight: 0,
    });
    expect((await json(`${base}/${created.body.id as string}`, send('PUT', { weight: 7 }))).body.weight).toBe(
      7,
    );
    expect((await json(`${base}/10.0.0.9:8080`, send('PATCH', { weight: 70000 }))).status).toBe(400);
    const list = await json(base);
    expect((list.body.data as { target: string }[]).map((t) => t.target)).toContain('10.0.0.9:8080');
    expect((await fetch(`${base}/10.0.0.9:8080`, { method: 'DELETE' })).status).toBe(204);
    expect((await json(`${base}/10.0.0.9:8080`)).status).toBe(404);
    expect(
      (await json(`${node.adminUrl}/upstreams/nope/targets`, send('POST', { target: 'a:1' }))).status,
    ).toBe(404);
    expect((await json(`${base}/10.9.9.9:1`, send('PATCH', { weight: 1 }))).status).toBe(404);
  });

  it('enforces Kong-Admin-Token when adminToken is set', async () => {
    const guarded = await startSimulatedKongNode({
      databaseUrl: db.url,
      version: '3.9.1',
      adminToken: 's3cret',
    });
    try {
      const denied = await json(`${guarded.adminUrl}/services`);
      expect(denied.status).toBe(401);
      expect(typeof denied.body.message).toBe('string');
      expect((await json(`${guarded.adminUrl}/`, { headers: { 'Kong-Admin-Token': 'wrong' } })).status).toBe(
        401,
      );
      expect((await json(`${guarded.adminUrl}/`, { headers: { 'Kong-Admin-Token': 's3cret' } })).status).toBe(
        200,
      );
    } finally {
      await guarded.close();
    }
  });
});

describe('simulated Kong node (3.x): proxy', () => {
  it('enforces key-auth from the database', async () => {
    const missing = await json(`${node.proxyUrl}/orders`);
    expect(missing).toMatchObject({ status: 401, body: { message: 'No API key found in request' } });
    const wrong = await json(`${node.proxyUrl}/orders`, { headers: { apikey: 'not-a-key' } });
    expect(wrong).toMatchObject({ status: 401, body: { message: 'Invalid authentication credentials' } });
    const key = seeded.fixtures.validKey?.key ?? '';
    const ok = await json(`${node.proxyUrl}/orders/123?x=1`, { headers: { apikey: key } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      route: 'orders-route',
      service: 'orders',
      consumer: { username: 'consumer-0000000' },
    });
    expect(ok.headers.get('via')).toBe('kong/3.9.1');
    expect(Number(ok.headers.get('x-kong-upstream-latency'))).toBeGreaterThanOrEqual(0);
    expect(Number(ok.headers.get('x-kong-proxy-latency'))).toBeGreaterThanOrEqual(0);
    expect((await fetch(`${node.proxyUrl}/orders?apikey=${key}`)).status).toBe(200);
  });

  it('routes open paths, regex paths and answers 404 when nothing matches', async () => {
    const open = seeded.fixtures.open;
    expect(open).not.toBeNull();
    expect((await json(`${node.proxyUrl}${open?.path}`)).body).toMatchObject({ route: open?.route });
    const regex = seeded.fixtures.regexRoute;
    expect(regex?.path).toBe('~/orders/\\d+/items');
    const r = await json(`${node.proxyUrl}${regex?.samplePath}`, {
      headers: { apikey: seeded.fixtures.validKey?.key ?? '' },
    });
    expect(r.body.route).toBe('orders-regex-route');
    const none = await json(`${node.proxyUrl}/definitely-not-routed`);
    expect(none).toMatchObject({ status: 404, body: { message: 'no Route matched with those values' } });
    expect(node.requestCount()).toBeGreaterThanOrEqual(3);
  });
});
