import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { createKongSchema } from '../../src/sandbox/create-kong-schema.js';
import { type SeedSummary, seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// A Kong 2.8 database (X), read by a 2.8 node and then by a 3.x node before and after migrations.
let db: TestDatabase;
let seeded: SeedSummary;

beforeAll(async () => {
  db = await createTestDatabase('kub_simnode_legacy');
  seeded = await seedKongDatabase(db.url, { version: '2.8.4', services: 4, consumers: 5 });
});

afterAll(async () => {
  await db?.drop();
});

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

async function coreMigrations(): Promise<string[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const res = await c.query(
      "SELECT executed FROM schema_meta WHERE key = 'schema_meta' AND subsystem = 'core'",
    );
    return res.rows[0]?.executed ?? [];
  } finally {
    await c.end();
  }
}

describe('simulated Kong 2.8 node and the 2.8 → 3.x upgrade', () => {
  it('GET / has the 2.8 shape and honours availablePlugins', async () => {
    const node = await startSimulatedKongNode({ databaseUrl: db.url, version: '2.8.4' });
    const limited = await startSimulatedKongNode({
      databaseUrl: db.url,
      version: '3.9.1',
      availablePlugins: ['key-auth', 'prometheus'],
    });
    try {
      const { body } = await get(`${node.adminUrl}/`);
      expect(body.version).toBe('2.8.4');
      expect(body).not.toHaveProperty('edition');
      const plugins = body.plugins as {
        available_on_server: Record<string, unknown>;
        enabled_in_cluster: string[];
      };
      expect(plugins.available_on_server['key-auth']).toBe(true);
      expect(plugins.available_on_server).not.toHaveProperty('opentelemetry');
      expect(plugins.enabled_in_cluster).toEqual(['key-auth', 'prometheus', 'rate-limiting']);
      const other = await get(`${limited.adminUrl}/`);
      const available = (other.body.plugins as { available_on_server: Record<string, unknown> })
        .available_on_server;
      expect(Object.keys(available)).toEqual(['key-auth', 'prometheus']);
    } finally {
      await node.close();
      await limited.close();
    }
  });

  it('2.8 POST of an existing target updates it instead of failing', async () => {
    const node = await startSimulatedKongNode({ databaseUrl: db.url, version: '2.8.4' });
    try {
      const url = `${node.adminUrl}/upstreams/orders-upstream/targets`;
      const post = (weight: number) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ target: '10.1.1.1:80', weight }),
        });
      expect((await post(10)).status).toBe(201);
      const again = await post(20);
      expect(again.status).toBe(201);
      expect(((await again.json()) as { weight: number }).weight).toBe(20);
    } finally {
      await node.close();
    }
  });

  it('regex paths without "~" are regexes on 2.8, plain prefixes on 3.x until migration 016 adds "~"', async () => {
    const regex = seeded.fixtures.regexRoute;
    expect(regex?.path).toBe('/orders/\\d+/items');
    const headers = { apikey: seeded.fixtures.validKey?.key ?? '' };
    const old = await startSimulatedKongNode({ databaseUrl: db.url, version: '2.8.4' });
    const y = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.9.1' });
    try {
      expect((await get(`${old.proxyUrl}${regex?.samplePath}`, headers)).body.route).toBe(
        'orders-regex-route',
      );
      // 3.x without the migration: the stored path is a plain prefix, so /orders wins.
      expect((await get(`${y.proxyUrl}${regex?.samplePath}`, headers)).body.route).toBe('orders-route');

      expect(await coreMigrations()).not.toContain('016_280_to_300');
      const { applied } = await createKongSchema(db.url, { version: '3.9.1' });
      expect(applied).toContain('core:016_280_to_300');
      expect(applied).toContain('core:024_380_to_390');
      expect(await coreMigrations()).toEqual(
        expect.arrayContaining(['015_270_to_280', '016_280_to_300', '024_380_to_390']),
      );
      expect((await createKongSchema(db.url, { version: '3.9.1' })).applied).toEqual([]);

      const routes = await get(`${y.adminUrl}/routes/orders-regex-route`);
      expect(routes.body.paths).toEqual(['~/orders/\\d+/items']);
      // The node caches its routing table for up to a second.
      await new Promise((r) => setTimeout(r, 1100));
      expect((await get(`${y.proxyUrl}${regex?.samplePath}`, headers)).body.route).toBe('orders-regex-route');
      const plugin = await get(`${y.adminUrl}/plugins/${seeded.fixtures.rateLimitingPluginIds[0]}`);
      expect((plugin.body.config as Record<string, unknown>).redis).toMatchObject({ port: 6379 });
      expect(plugin.body).toHaveProperty('updated_at');
    } finally {
      await old.close();
      await y.close();
    }
  });

  it('starts on an empty database (Y before the restore): root, status and metrics answer', async () => {
    const empty = await createTestDatabase('kub_simnode_empty');
    const node = await startSimulatedKongNode({ databaseUrl: empty.url, version: '3.9.1' });
    try {
      const root = await get(`${node.adminUrl}/`);
      expect(root.status).toBe(200);
      expect((root.body.plugins as { enabled_in_cluster: string[] }).enabled_in_cluster).toEqual([]);
      expect((await get(`${node.adminUrl}/status`)).body.database).toEqual({ reachable: true });
      const metrics = await (await fetch(node.metricsUrl)).text();
      expect(metrics).toContain('kong_datastore_reachable 1');
      expect(metrics).not.toContain('kong_http_requests_total');
      expect((await fetch(`${node.proxyUrl}/orders`)).status).toBe(500);
    } finally {
      await node.close();
      await empty.drop();
    }
  });

  it('refuses Kong versions older than 2.8 and unreachable databases', async () => {
    for (const version of ['2.7.0', 'banana']) {
      try {
        await createKongSchema(db.url, { version });
        expect.unreachable();
      } catch (err) {
        expect(isAppError(err) && err.code).toBe('E_INVALID_INPUT');
      }
    }
    try {
      await createKongSchema('postgres://kong:hunter2@127.0.0.1:1/kong', { version: '3.9.1' });
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err) && err.code).toBe('E_PG_UNREACHABLE');
      expect(String((err as Error).message)).not.toContain('hunter2');
    }
  });
});
