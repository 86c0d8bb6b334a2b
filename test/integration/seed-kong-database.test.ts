import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { type SeededTable, seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const dbs: TestDatabase[] = [];
const freshDb = async () => {
  const db = await createTestDatabase('kub_seed');
  dbs.push(db);
  return db;
};

afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const countAll = (url: string, tables: string[]) =>
  withClient(url, async (c) => {
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    return out;
  });

/**
 * md5 of a table's rows: equal means identical content. The default workspace's id is random per
 * database (as in Kong), so ws_id and the cache keys that embed it are left out.
 */
const tableDigest = (url: string, table: string) =>
  withClient(url, async (c) => {
    const row = `(to_jsonb(t) - 'ws_id' - 'cache_key')::text`;
    const res = await c.query(`SELECT md5(string_agg(${row}, '|' ORDER BY ${row})) AS d FROM ${table} t`);
    return res.rows[0].d as string;
  });

async function expectAppError(p: Promise<unknown>, code: string) {
  try {
    await p;
    expect.unreachable('should have failed');
  } catch (err) {
    expect(isAppError(err) && err.code).toBe(code);
  }
}

describe('seedKongDatabase', () => {
  it('seeds a realistic configuration and reports the real row counts', async () => {
    const db = await freshDb();
    const s = await seedKongDatabase(db.url, {
      services: 12,
      routesPerService: 3,
      consumers: 10,
      keysPerConsumer: 2,
      upstreams: 2,
      targetsPerUpstream: 3,
      regexRoutes: 4,
      rateLimiting: 'redis',
      keys: [{ consumer: 'smoke-tester', key: 'smoke-key-0001' }],
    });
    const tables = Object.keys(s.counts) as SeededTable[];
    expect(await countAll(db.url, tables)).toEqual(s.counts);
    expect(s.counts).toMatchObject({
      services: 12,
      routes: 12 * 3 + 4,
      consumers: 11,
      keyauth_credentials: 21,
      upstreams: 2,
      targets: 6,
      certificates: 1,
      snis: 1,
      ratelimiting_metrics: 0,
    });
    // key-auth on services 0,3,6,9; rate-limiting on 1,6,11; one global prometheus.
    expect(s.counts.plugins).toBe(4 + 3 + 1);
    expect(s.schema3x).toBe(false);
    expect(s.fixtures.validKey).toEqual({ consumer: 'smoke-tester', key: 'smoke-key-0001' });
    expect(s.fixtures.keyAuthProtected[0]).toEqual({
      service: 'orders',
      route: 'orders-route',
      path: '/orders',
    });
    expect(s.fixtures.regexRoute?.path).toBe('/orders/\\d+/items');
    await withClient(db.url, async (c) => {
      const rl = await c.query("SELECT id, config FROM plugins WHERE name = 'rate-limiting' ORDER BY id");
      expect(rl.rows.map((r) => r.id).sort()).toEqual([...s.fixtures.rateLimitingPluginIds].sort());
      // 2.8 schema: flat redis_* fields, the chosen policy and a per-minute limit.
      expect(rl.rows[0].config).toMatchObject({ policy: 'redis', minute: 600, redis_host: 'redis.internal' });
      const paths = await c.query("SELECT paths FROM routes WHERE name LIKE '%regex%'");
      expect(paths.rows.every((r) => !r.paths[0].startsWith('~'))).toBe(true);
      const key = await c.query(
        'SELECT c.username FROM keyauth_credentials k JOIN consumers c ON c.id = k.consumer_id WHERE k.key = $1',
        ['smoke-key-0001'],
      );
      expect(key.rows).toEqual([{ username: 'smoke-tester' }]);
    });
    await expectAppError(seedKongDatabase(db.url, { services: 1 }), 'E_INVALID_INPUT');
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const [a, b, c] = [await freshDb(), await freshDb(), await freshDb()];
    const opts = { services: 6, consumers: 30, seed: 7 };
    await seedKongDatabase(a.url, opts);
    await seedKongDatabase(b.url, opts);
    await seedKongDatabase(c.url, { ...opts, seed: 8 });
    for (const t of ['services', 'routes', 'consumers', 'keyauth_credentials', 'plugins', 'targets']) {
      expect(await tableDigest(a.url, t)).toBe(await tableDigest(b.url, t));
    }
    expect(await tableDigest(a.url, 'keyauth_credentials')).not.toBe(
      await tableDigest(c.url, 'keyauth_credentials'),
    );
  });

  it('writes the 3.x shapes on a 3.x schema (regex paths with "~", redis record, cluster counters)', async () => {
    const db = await freshDb();
    const s = await seedKongDatabase(db.url, { version: '3.9.1', services: 7, rateLimiting: 'cluster' });
    expect(s.schema3x).toBe(true);
    expect(s.fixtures.regexRoute?.path).toBe('~/orders/\\d+/items');
    expect(s.counts.ratelimiting_metrics).toBe(2 * 2);
    await withClient(db.url, async (c) => {
      const rl = await c.query("SELECT config FROM plugins WHERE name = 'rate-limiting' LIMIT 1");
      expect(rl.rows[0].config.redis).toMatchObject({ port: 6379 });
      expect(rl.rows[0].config).not.toHaveProperty('redis_host');
      const targets = await c.query('SELECT count(*) AS n FROM targets WHERE cache_key IS NULL');
      expect(Number(targets.rows[0].n)).toBe(0);
    });
  });

  it('rejects impossible options', async () => {
    const db = await freshDb();
    await expectAppError(seedKongDatabase(db.url, { totalRows: 10 }), 'E_INVALID_INPUT');
    await expectAppError(seedKongDatabase(db.url, { services: -1 }), 'E_INVALID_INPUT');
    await expectAppError(seedKongDatabase(db.url, { consumers: 2.5 }), 'E_INVALID_INPUT');
    await expectAppError(seedKongDatabase(db.url, { services: 0, regexRoutes: 1 }), 'E_INVALID_INPUT');
  });

  it('reaches exactly 1,000,000 rows with keys, constraints and indexes intact', {
    timeout: 180_000,
  }, async () => {
    const db = await freshDb();
    const started = Date.now();
    const s = await seedKongDatabase(db.url, { totalRows: 1_000_000, keysPerConsumer: 2, seed: 3 });
    console.log(`seedKongDatabase: 1,000,000 rows in ${Date.now() - started} ms`);
    expect(s.totalRows).toBe(1_000_000);
    expect(Object.values(s.counts).reduce((x, y) => x + y, 0)).toBe(1_000_000);
    expect(s.counts.keyauth_credentials).toBeGreaterThanOrEqual(2 * s.counts.consumers - 2);
    expect(await countAll(db.url, ['consumers', 'keyauth_credentials'])).toEqual({
      consumers: s.counts.consumers,
      keyauth_credentials: s.counts.keyauth_credentials,
    });
    await withClient(db.url, async (c) => {
      const idx = await c.query(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'keyauth_credentials' ORDER BY 1",
      );
      expect(idx.rows.map((r) => r.indexname)).toEqual(
        expect.arrayContaining([
          'keyauth_credentials_pkey',
          'keyauth_credentials_ws_id_key_key',
          'keyauth_credentials_consumer_id_idx',
        ]),
      );
      const fk = await c.query(
        "SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f' AND confrelid = 'consumers'::regclass",
      );
      expect(Number(fk.rows[0].n)).toBeGreaterThanOrEqual(3);
      const bad = c.query(
        // As Kong writes it: with the workspace, so the composite key (consumer_id, ws_id) is checked.
        `INSERT INTO keyauth_credentials (id, consumer_id, key, ws_id)
         VALUES (gen_random_uuid(), gen_random_uuid(), 'x', (SELECT id FROM workspaces WHERE name = 'default'))`,
      );
      await expect(bad).rejects.toMatchObject({ code: '23503' });
      const plan = await c.query("EXPLAIN SELECT * FROM keyauth_credentials WHERE key = 'abc'");
      expect(JSON.stringify(plan.rows)).toContain('Index');
    });
  });
});
