import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKongAdmin } from '../../src/kong/create-kong-admin.js';
import { diffFingerprints, fingerprintConfig } from '../../src/kong/fingerprint.js';
import { KONG_ENTITY_TYPES } from '../../src/kong/kong-entity-types.js';
import { runPreflightChecks } from '../../src/kong/preflight-checks.js';
import { type SeedSummary, seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// The client against the sandbox's Kong stand-in (real HTTP, real PostgreSQL): a 2.8 X with 2,500+ routes.
let db: TestDatabase;
let node: SimulatedKongNode;
let seeded: SeedSummary;

beforeAll(async () => {
  db = await createTestDatabase('kub_kongclient');
  seeded = await seedKongDatabase(db.url, {
    version: '2.8.4',
    services: 1250,
    routesPerService: 2,
    consumers: 30,
    rateLimiting: 'cluster',
  });
  node = await startSimulatedKongNode({ databaseUrl: db.url, version: '2.8.4', adminToken: 'sim-token' });
});

afterAll(async () => {
  await node?.close();
  await db?.drop();
});

describe('KongAdmin against the simulated Kong node', () => {
  it('lists every seeded route (2,500 plain + regex) across pages', async () => {
    const admin = createKongAdmin({ adminUrl: node.adminUrl, adminToken: 'sim-token' });
    const routes = await admin.listEntities('routes');
    expect(routes.length).toBeGreaterThanOrEqual(2500);
    expect(routes).toHaveLength(seeded.counts.routes);
    expect(new Set(routes.map((r) => r.id)).size).toBe(routes.length);
  });

  it('is refused without the token', async () => {
    const admin = createKongAdmin({ adminUrl: node.adminUrl, retries: 0 });
    await expect(admin.info()).rejects.toMatchObject({ code: 'E_KONG_UNAUTHORIZED' });
  });

  it('snapshots every type with the seeded counts; fingerprints see exactly one direct DB edit', async () => {
    const admin = createKongAdmin({ adminUrl: node.adminUrl, adminToken: 'sim-token' });
    const before = await admin.snapshot();
    for (const type of KONG_ENTITY_TYPES)
      expect(before[type], type).toHaveLength((seeded.counts as Record<string, number>)[type] ?? 0);
    const fp = fingerprintConfig(before);
    expect(diffFingerprints(fp, fingerprintConfig(await admin.snapshot()))).toEqual([]);

    const victim = before.routes[1234];
    if (!victim) throw new Error('fixture');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('UPDATE routes SET regex_priority = regex_priority + 1 WHERE id = $1', [victim.id]);
    } finally {
      await client.end();
    }
    const changes = diffFingerprints(fp, fingerprintConfig(await admin.snapshot()));
    expect(changes).toEqual([
      { type: 'routes', id: victim.id, ...(victim.name ? { name: victim.name } : {}), change: 'changed' },
    ]);
  });

  it('preflight for this 2.8 X → 3.9 warns about its regex routes and cluster rate limiting', async () => {
    const admin = createKongAdmin({ adminUrl: node.adminUrl, adminToken: 'sim-token' });
    const x = await admin.info();
    const checks = runPreflightChecks({
      x,
      y: { ...x, version: '3.9.1' },
      expectedYVersion: '3.9.1',
      xEntities: { routes: await admin.listEntities('routes'), plugins: await admin.listEntities('plugins') },
      pgDump: { clientMajor: 16, serverMajor: 16 },
    });
    const byId = new Map(checks.map((c) => [c.id, c]));
    expect(byId.get('versions')?.status).toBe('pass');
    expect(byId.get('plugins-available')?.status).toBe('pass');
    expect(byId.get('regex-paths')?.status).toBe('warn');
    expect(byId.get('regex-paths')?.items?.length).toBeGreaterThan(0);
    expect(byId.get('rate-limiting-counters')?.status).toBe('warn');
    expect(byId.get('rate-limiting-counters')?.items?.length).toBe(
      seeded.fixtures.rateLimitingPluginIds.length,
    );
  });
});
