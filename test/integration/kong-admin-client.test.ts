import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { type CreateKongAdminOptions, createKongAdmin } from '../../src/kong/create-kong-admin.js';
import {
  type FakeHandler,
  type FakeKongAdmin,
  fakeRoute,
  fakeUuid,
  paginate,
  root28,
  root39,
  startFakeKongAdmin,
  status39,
} from '../support/fake-kong-admin.js';

const routes2500 = Array.from({ length: 2500 }, (_, i) => fakeRoute(i));
let fake: FakeKongAdmin | undefined;

async function start(handler: FakeHandler): Promise<FakeKongAdmin> {
  fake = await startFakeKongAdmin(handler);
  return fake;
}

function admin(f: FakeKongAdmin, extra: Partial<CreateKongAdminOptions> = {}) {
  return createKongAdmin({ adminUrl: f.url, timeoutMs: 2000, retries: 2, backoffMs: 5, ...extra });
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('pagination', () => {
  it('lists 2,500 routes over three pages following relative next links', async () => {
    const f = await start((req) => (req.path === '/routes' ? paginate(routes2500, req) : { status: 404 }));
    const routes = await admin(f).listEntities('routes');
    expect(routes).toHaveLength(2500);
    expect(routes.map((r) => r.id)).toEqual(routes2500.map((r) => r.id));
    expect(f.requests).toHaveLength(3);
    expect(f.requests.every((r) => r.query.get('size') === '1000')).toBe(true);
    // unknown fields pass through untouched
    expect(routes[0]).toMatchObject({ https_redirect_status_code: 426, strip_path: true });
  });

  it('follows absolute next links but only ever calls the configured host', async () => {
    const f = await start((req) =>
      paginate(routes2500, req, { style: 'absolute', absoluteOrigin: 'http://kong-elsewhere.invalid:8001' }),
    );
    const routes = await admin(f, { pageSize: 700 }).listEntities('routes');
    expect(routes).toHaveLength(2500);
    expect(f.requests).toHaveLength(4);
  });

  it('adds the page size to nested next links that drop it, and lists targets per upstream', async () => {
    const upstreams = [1, 2].map((n) => ({
      id: fakeUuid(5, n),
      name: `up-${n}.internal`,
      algorithm: 'round-robin',
    }));
    const targets = (u: number) =>
      Array.from({ length: 1500 }, (_, i) => ({
        id: fakeUuid(6, u * 10000 + i),
        target: `10.0.${u}.${i % 250}:${8000 + i}`,
        weight: 100,
        upstream: { id: fakeUuid(5, u) },
        created_at: 1700000000.123,
        tags: null,
      }));
    const f = await start((req) => {
      if (req.path === '/upstreams') return paginate(upstreams, req);
      const m = /^\/upstreams\/([^/]+)\/targets$/.exec(req.path);
      const u = upstreams.findIndex((x) => x.id === m?.[1]);
      return u >= 0
        ? paginate(targets(u + 1), req, { carrySize: false })
        : { status: 404, json: { message: 'Not found' } };
    });
    const list = await admin(f).listEntities('targets');
    expect(list).toHaveLength(3000);
    const targetRequests = f.requests.filter((r) => r.path.endsWith('/targets'));
    expect(targetRequests).toHaveLength(4);
    expect(targetRequests.every((r) => r.query.get('size') === '1000')).toBe(true);
  });

  it('fails instead of looping when the server repeats an offset', async () => {
    const f = await start(() => ({
      json: { data: [fakeRoute(1)], offset: 'AAAA', next: '/routes?offset=AAAA' },
    }));
    const err = await failure(admin(f).listEntities('routes'));
    expect(err.code).toBe('E_KONG_BAD_RESPONSE');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('same page offset twice');
    expect(f.requests).toHaveLength(2);
  });

  it('rejects a page size Kong would refuse', () => {
    expect(() => createKongAdmin({ adminUrl: 'http://127.0.0.1:1', pageSize: 1001 })).toThrow(
      /between 1 and 1000/,
    );
  });
});

describe('headers and secrets', () => {
  it('sends Kong-Admin-Token only when configured', async () => {
    const f = await start(() => ({ json: root39() }));
    await admin(f, { adminToken: 'tok-123' }).info();
    await admin(f).info();
    expect(f.requests[0]?.headers['kong-admin-token']).toBe('tok-123');
    expect(f.requests[1]?.headers['kong-admin-token']).toBeUndefined();
  });

  it('says to check the token on 401, does not retry, and never shows secrets', async () => {
    const f = await start(() => ({
      status: 401,
      json: { message: 'Invalid credentials. Token or User credentials required' },
    }));
    const url = f.url.replace('http://', 'http://ops:pa55word@');
    const err = await failure(admin(f, { adminUrl: url, adminToken: 'tok-secret' }).listEntities('services'));
    expect(err.code).toBe('E_KONG_UNAUTHORIZED');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/admin ?token/i);
    expect(err.message).toContain('GET /services');
    expect(err.message).toContain('****:****@127.0.0.1');
    expect(err.message).not.toContain('pa55word');
    expect(err.message).not.toContain('tok-secret');
    expect(f.requests).toHaveLength(1);
    expect(f.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('ops:pa55word').toString('base64')}`,
    );
  });

  it('treats 403 like 401', async () => {
    const f = await start(() => ({ status: 403, json: { message: 'Forbidden' } }));
    expect((await failure(admin(f).status())).code).toBe('E_KONG_UNAUTHORIZED');
  });
});

describe('bad servers', () => {
  it('reports connection refused as E_KONG_UNREACHABLE after bounded retries', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((r) => s.close(() => r()));
    const err = await failure(
      createKongAdmin({ adminUrl: `http://127.0.0.1:${port}`, retries: 2, backoffMs: 5 }).info(),
    );
    expect(err.code).toBe('E_KONG_UNREACHABLE');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`http://127.0.0.1:${port}`);
    expect(err.message).toContain('GET /');
    expect(err.details.errno).toBe('ECONNREFUSED');
  });

  it('retries 500s and succeeds', async () => {
    let n = 0;
    const f = await start(() =>
      ++n <= 2 ? { status: 500, json: { message: 'An unexpected error occurred' } } : { json: root39() },
    );
    const info = await admin(f).info();
    expect(info.version).toBe('3.9.0');
    expect(f.requests).toHaveLength(3);
  });

  it('gives up after the configured retries on persistent 503', async () => {
    const f = await start(() => ({ status: 503, json: { message: 'database unavailable' } }));
    const err = await failure(admin(f, { retries: 3 }).info());
    expect(err.code).toBe('E_KONG_UNREACHABLE');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('HTTP 503');
    expect(err.message).toContain('database unavailable');
    expect(f.requests).toHaveLength(4);
  });

  it('retries a dropped connection', async () => {
    let n = 0;
    const f = await start(() => (++n === 1 ? 'destroy' : { json: status39() }));
    const st = await admin(f).status();
    expect(st.database?.reachable).toBe(true);
    expect(f.requests).toHaveLength(2);
  });

  it('reports invalid JSON as E_KONG_BAD_RESPONSE without retrying', async () => {
    const f = await start(() => ({ body: '<html>502 Bad Gateway</html>' }));
    const err = await failure(admin(f).info());
    expect(err.code).toBe('E_KONG_BAD_RESPONSE');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('not JSON');
    expect(f.requests).toHaveLength(1);
  });

  it('reports a wrong entity shape with the issue path', async () => {
    const f = await start((req) => paginate([fakeRoute(1), fakeRoute(2, { id: 42 })], req));
    const err = await failure(admin(f).listEntities('routes'));
    expect(err.code).toBe('E_KONG_BAD_RESPONSE');
    expect(err.message).toContain('data[1].id');
    expect(err.message).toContain('GET /routes');
  });

  it('reports a wrong root shape with the issue path', async () => {
    const f = await start(() => ({ json: { version: '3.9.0', plugins: { available_on_server: 7 } } }));
    const err = await failure(admin(f).info());
    expect(err.code).toBe('E_KONG_BAD_RESPONSE');
    expect(err.message).toContain('plugins.available_on_server');
  });

  it('reports an unexpected status without retrying', async () => {
    const f = await start(() => ({ status: 404, json: { message: 'Not found' } }));
    const err = await failure(admin(f).listEntities('routes'));
    expect(err.code).toBe('E_KONG_BAD_RESPONSE');
    expect(err.message).toContain('HTTP 404');
    expect(f.requests).toHaveLength(1);
  });

  it('times out a server that never answers, in bounded time', async () => {
    const f = await start(() => 'hang');
    const t0 = Date.now();
    const err = await failure(admin(f, { timeoutMs: 150, retries: 1 }).info());
    expect(err.code).toBe('E_KONG_TIMEOUT');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('150 ms');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(f.requests).toHaveLength(2);
  });

  it('times out a body that stalls after the headers', async () => {
    const f = await start(() => 'slow-body');
    const t0 = Date.now();
    const err = await failure(admin(f, { timeoutMs: 150, retries: 0 }).listEntities('routes'));
    expect(err.code).toBe('E_KONG_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('stops at once when the caller aborts, without further retries', async () => {
    const f = await start(() => 'hang');
    const ac = new AbortController();
    const reason = new Error('run aborted');
    setTimeout(() => ac.abort(reason), 50);
    const t0 = Date.now();
    const err = await admin(f, { timeoutMs: 5000, retries: 5 })
      .snapshot(ac.signal)
      .catch((e: unknown) => e);
    expect(err).toBe(reason);
    expect(Date.now() - t0).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 100));
    expect(f.requests).toHaveLength(1);
  });

  it('stops during a backoff when the caller aborts', async () => {
    const f = await start(() => ({ status: 500, json: {} }));
    const ac = new AbortController();
    const p = admin(f, { backoffMs: 5000, retries: 3 }).info(ac.signal);
    setTimeout(() => ac.abort(new Error('stop')), 50);
    await expect(p).rejects.toThrow('stop');
    expect(f.requests).toHaveLength(1);
  });
});

describe('node info and status', () => {
  it('reads a 3.9 root', async () => {
    const f = await start(() => ({ json: root39() }));
    const info = await admin(f).info();
    expect(info).toEqual({
      version: '3.9.0',
      edition: 'community',
      hostname: 'kong-y',
      nodeId: '2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40',
      plugins: {
        availableOnServer: ['key-auth', 'prometheus', 'rate-limiting'],
        enabledInCluster: ['key-auth', 'prometheus'],
        versions: { 'key-auth': '3.9.0', prometheus: '3.9.0', 'rate-limiting': '3.9.0' },
      },
      configuration: {
        database: 'postgres',
        role: 'traditional',
        routerFlavor: 'traditional_compatible',
        plugins: ['bundled'],
      },
    });
  });

  it('reads a 2.8 Enterprise root ({name: true} plugins, {} for an empty list, vitals on)', async () => {
    const f = await start(() => ({ json: root28() }));
    const info = await admin(f).info();
    expect(info.plugins.availableOnServer).toEqual(['key-auth', 'rate-limiting', 'rate-limiting-advanced']);
    expect(info.plugins.enabledInCluster).toEqual([]);
    expect(info.edition).toBe('enterprise');
    expect(info.configuration.vitals).toBe(true);
  });

  it('reads /status with and without the database key (DB-less 3.4+)', async () => {
    const dbless = { ...status39(), database: undefined, configuration_hash: '0'.repeat(32) };
    let n = 0;
    const f = await start(() => ({ json: ++n === 1 ? status39(false) : dbless }));
    const a = admin(f);
    const first = await a.status();
    expect(first.database).toEqual({ reachable: false });
    expect(first.server.totalRequests).toBe(2048);
    const second = await a.status();
    expect(second.database).toBeUndefined();
    expect(second.configurationHash).toBe('0'.repeat(32));
  });
});

describe('snapshot', () => {
  it('lists every entity type; key-auths missing (plugin not loaded) means none', async () => {
    const service = {
      id: fakeUuid(1, 1),
      name: 'orders',
      host: 'orders.internal',
      port: 80,
      protocol: 'http',
      tags: null,
    };
    const upstream = { id: fakeUuid(5, 1), name: 'orders.internal' };
    const target = {
      id: fakeUuid(6, 1),
      target: '10.0.0.5:8080',
      weight: 100,
      upstream: { id: upstream.id },
    };
    const collections: Record<string, unknown[]> = {
      '/services': [service],
      '/routes': routes2500.slice(0, 3),
      '/plugins': [{ id: fakeUuid(3, 1), name: 'prometheus', config: {}, enabled: true }],
      '/consumers': [{ id: fakeUuid(4, 1), username: 'alice', custom_id: null }],
      '/upstreams': [upstream],
      [`/upstreams/${upstream.id}/targets`]: [target],
      '/certificates': [],
      '/snis': [],
      '/ca_certificates': [],
    };
    const f = await start((req) => {
      const items = collections[req.path];
      return items ? paginate(items, req) : { status: 404, json: { message: 'Not found' } };
    });
    const snap = await admin(f).snapshot();
    expect(snap.services).toHaveLength(1);
    expect(snap.routes).toHaveLength(3);
    expect(snap.plugins[0]?.name).toBe('prometheus');
    expect(snap.consumers[0]?.username).toBe('alice');
    expect(snap.targets).toEqual([target]);
    expect(snap.keyauth_credentials).toEqual([]);
    expect(snap.certificates).toEqual([]);
    expect(f.requests.filter((r) => r.path === '/upstreams')).toHaveLength(1);
  });
});
