import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeedSummary, seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Kong 3.x's prometheus plugin records request counters, latency and bandwidth only when
 * `status_code_metrics`, `latency_metrics` and `bandwidth_metrics` are true (each defaults to false).
 * A plugin row restored from 2.8 sets none of them: the simulated 3.x node then exports no request
 * metrics either, as Kong does, so the preflight check and the comparison meet what production meets.
 */
describe('simulated Kong 3.x node: the prometheus plugin switches', () => {
  let db: TestDatabase;
  let node: SimulatedKongNode;
  let seeded: SeedSummary;

  const setFlags = async (on: boolean | null) => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(
        on === null
          ? `UPDATE plugins SET config = config - 'status_code_metrics' - 'latency_metrics' - 'bandwidth_metrics' WHERE name = 'prometheus'`
          : `UPDATE plugins SET config = config || jsonb_build_object('status_code_metrics', $1::boolean, 'latency_metrics', $1::boolean, 'bandwidth_metrics', $1::boolean) WHERE name = 'prometheus'`,
        on === null ? [] : [on],
      );
    } finally {
      await client.end();
    }
    // The node reads its plugins again after its routing cache (50 ms here) expires.
    await new Promise((r) => setTimeout(r, 120));
  };
  const scrapeAfterRequests = async () => {
    const path = seeded.fixtures.open?.path ?? '/';
    for (let i = 0; i < 5; i++) await (await fetch(`${node.proxyUrl}${path}`)).text();
    return (await fetch(node.metricsUrl)).text();
  };

  beforeAll(async () => {
    db = await createTestDatabase('kub_promflags');
    seeded = await seedKongDatabase(db.url, {
      version: '3.9.1',
      services: 2,
      routesPerService: 1,
      consumers: 1,
    });
    node = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.9.1', routingTtlMs: 50 });
  }, 60_000);

  afterAll(async () => {
    await node?.close();
    await db?.drop();
  });

  it('a plugin row without the switches (as restored from 2.8) exports no request counters, latency or bandwidth', async () => {
    await setFlags(null);
    const text = await scrapeAfterRequests();
    expect(text).not.toMatch(/^kong_http_requests_total\{/m);
    expect(text).not.toMatch(/^kong_request_latency_ms_bucket\{/m);
    expect(text).not.toMatch(/^kong_bandwidth_bytes\{/m);
    // The node-level series are still there: the plugin is on, its switches are off.
    expect(text).toMatch(/^kong_nginx_requests_total\{/m);
  });

  it('set to false they stay off; set to true the node counts every request from then on', async () => {
    await setFlags(false);
    expect(await scrapeAfterRequests()).not.toMatch(/^kong_http_requests_total\{/m);
    await setFlags(true);
    const text = await scrapeAfterRequests();
    const counted = [...text.matchAll(/^kong_http_requests_total\{[^}]*\} (\d+)$/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    expect(counted).toBe(5);
    expect(text).toMatch(/^kong_request_latency_ms_bucket\{/m);
    expect(text).toMatch(/^kong_bandwidth_bytes\{/m);
  });
});
