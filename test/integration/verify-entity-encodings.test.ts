import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareEntityFields } from '../../src/kong/compare-entity-fields.js';
import { createKongAdmin } from '../../src/kong/create-kong-admin.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The same rows read through a 3.12 and a 3.13 Admin API: the only difference is how empty records are written. */
describe('verify across the 3.13 empty-record encoding', () => {
  let db: TestDatabase;
  let x: SimulatedKongNode;
  let y: SimulatedKongNode;

  beforeAll(async () => {
    db = await createTestDatabase('kub_enc313');
    await seedKongDatabase(db.url, { version: '3.10.0.3', services: 2, consumers: 3, seed: 4 });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO plugins (id, name, config, enabled, cache_key, protocols, ws_id)
         SELECT gen_random_uuid(), 'jwt-signer', '{"add_claims": {}, "set_claims": {}, "ttl": 600}', true,
                'p:jwt-signer', '{http,https}', id FROM workspaces WHERE name = 'default'`,
      );
    } finally {
      await client.end();
    }
    x = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.12.0.1' });
    y = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.13.0.1' });
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled([x?.close(), y?.close()]);
    await db?.drop();
  });

  it('lists [] on 3.12 and {} on 3.13, which the comparison treats as equal', async () => {
    const [xs, ys] = await Promise.all([
      createKongAdmin({ adminUrl: x.adminUrl, retries: 0 }).snapshot(),
      createKongAdmin({ adminUrl: y.adminUrl, retries: 0 }).snapshot(),
    ]);
    const signer = (s: typeof xs) => s.plugins.find((p) => p.name === 'jwt-signer')?.config;
    expect(signer(xs)).toEqual({ add_claims: [], set_claims: [], ttl: 600 });
    expect(signer(ys)).toEqual({ add_claims: {}, set_claims: {}, ttl: 600 });
    expect(compareEntityFields(xs, ys, { xMajor: 3, yMajor: 3 })).toEqual([]);
  });
});
