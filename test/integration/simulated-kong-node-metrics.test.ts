import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let node: SimulatedKongNode;
const OPEN = '/payments';

beforeAll(async () => {
  db = await createTestDatabase('kub_simnode_metrics');
  await seedKongDatabase(db.url, { version: '3.9.1', services: 5, consumers: 3 });
  node = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.9.1' });
});

afterAll(async () => {
  await node?.close();
  await db?.drop();
});

const scrape = async (url = node.metricsUrl) => {
  const res = await fetch(url);
  expect(res.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
  return res.text();
};

/** Sum of the samples of `name` whose label set contains every `labels` fragment. */
function sample(text: string, name: string, ...labels: string[]): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels.every((l) => line.includes(l))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Fires `n` GETs at `path`, `concurrency` at a time; returns the status codes. */
async function fire(n: number, path = OPEN, concurrency = 25): Promise<number[]> {
  const codes: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next += 1;
        const res = await fetch(`${node.proxyUrl}${path}`);
        await res.arrayBuffer();
        codes.push(res.status);
      }
    }),
  );
  return codes;
}

const ROUTE = 'service="payments",route="payments-route"';

describe('simulated Kong node /metrics', () => {
  it('counters move by exactly the number of proxied requests', async () => {
    const before = await scrape();
    await fire(37);
    const after = await scrape(`${node.adminUrl}/metrics`);
    const count = (t: string) =>
      sample(t, 'kong_http_requests_total', ROUTE, 'code="200"', 'source="service"');
    expect(count(after) - count(before)).toBe(37);
    const histo = (t: string) => sample(t, 'kong_request_latency_ms_count', ROUTE);
    expect(histo(after) - histo(before)).toBe(37);
    expect(after).toContain(
      `kong_http_requests_total{${ROUTE},code="200",source="service",workspace="default",consumer=""} ${count(after)}`,
    );
    expect(after).toContain('kong_datastore_reachable 1');
    expect(after).toContain(`kong_node_info{node_id="${node.nodeId}",version="3.9.1"} 1`);
    expect(after).toMatch(
      /kong_nginx_connections_total\{node_id="[^"]+",subsystem="http",state="accepted"\} \d+/,
    );
  });

  it('writes histograms like Kong: cumulative buckets ending in +Inf = _count, families once, sorted', async () => {
    await fire(5);
    const text = await scrape();
    for (const family of ['kong_request_latency_ms', 'kong_upstream_latency_ms', 'kong_kong_latency_ms']) {
      const buckets = text
        .split('\n')
        .filter((l) => l.startsWith(`${family}_bucket{${ROUTE}`))
        .map((l) => {
          const le = /le="([^"]+)"/.exec(l)?.[1] ?? '';
          return { le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), v: Number(l.split(' ').pop()) };
        });
      expect(buckets.length).toBeGreaterThan(1);
      for (let i = 1; i < buckets.length; i++) {
        expect(buckets[i]?.le).toBeGreaterThan(buckets[i - 1]?.le ?? 0);
        expect(buckets[i]?.v).toBeGreaterThanOrEqual(buckets[i - 1]?.v ?? 0);
      }
      expect(buckets[buckets.length - 1]?.le).toBe(Number.POSITIVE_INFINITY);
      expect(buckets[buckets.length - 1]?.v).toBe(sample(text, `${family}_count`, ROUTE));
      expect(text.split('\n').filter((l) => l === `# TYPE ${family} histogram`)).toHaveLength(1);
    }
    // 3.9 kong-latency buckets include 3000 and 6000; upstream buckets start at 25.
    expect(text).toContain(`kong_kong_latency_ms_bucket{${ROUTE},workspace="default",le="6000"}`);
    expect(text).toContain(`kong_upstream_latency_ms_bucket{${ROUTE},workspace="default",le="25"}`);
    const families = text
      .split('\n')
      .filter((l) => l.startsWith('# TYPE'))
      .map((l) => l.split(' ')[2] ?? '');
    expect(families).toEqual([...families].sort());
    expect(new Set(families).size).toBe(families.length);
  });

  it('counts 401s from key-auth as source="kong" and does not record unmatched requests', async () => {
    const before = await scrape();
    await fire(4, '/orders');
    await fire(3, '/not-routed-anywhere');
    const after = await scrape();
    const denied = (t: string) =>
      sample(t, 'kong_http_requests_total', 'service="orders"', 'code="401"', 'source="kong"');
    expect(denied(after) - denied(before)).toBe(4);
    const total = (t: string) => sample(t, 'kong_http_requests_total');
    expect(total(after) - total(before)).toBe(4);
  });

  it('injects the configured error ratio (switchable at run time) and latency', async () => {
    expect(() => node.setFaults({ errorRatio: 1.5 })).toThrow();
    try {
      node.setFaults({ errorRatio: -0.1 });
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err) && err.code).toBe('E_INVALID_INPUT');
    }
    node.setFaults({ errorRatio: 0.2 });
    expect(node.getFaults()).toEqual({ errorRatio: 0.2, addedLatencyMs: 0 });
    const before = await scrape();
    const codes = await fire(1000);
    const failed = codes.filter((c) => c >= 500).length;
    // Binomial(1000, 0.2): mean 200, sd 12.6; ±6 sd cannot fail by chance in practice.
    expect(failed).toBeGreaterThan(124);
    expect(failed).toBeLessThan(276);
    expect(codes.every((c) => c === 200 || c === 502 || c === 503)).toBe(true);
    const after = await scrape();
    const fivexx = (t: string) =>
      sample(t, 'kong_http_requests_total', ROUTE, 'code="502"') +
      sample(t, 'kong_http_requests_total', ROUTE, 'code="503"');
    expect(fivexx(after) - fivexx(before)).toBe(failed);

    node.setFaults({ errorRatio: 0, addedLatencyMs: 120 });
    const started = Date.now();
    const res = await fetch(`${node.proxyUrl}${OPEN}`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    expect(Number(res.headers.get('x-kong-upstream-latency'))).toBeGreaterThanOrEqual(115);
    node.setFaults({ addedLatencyMs: 0 });
    expect((await fire(100)).every((c) => c === 200)).toBe(true);
  });

  it('reports a new version after setVersion, and datastore 0 when unhealthy', async () => {
    node.setVersion('3.4.2');
    try {
      const root = (await (await fetch(`${node.adminUrl}/`)).json()) as Record<string, unknown>;
      expect(root.version).toBe('3.4.2');
      expect(root).not.toHaveProperty('edition');
      await fire(1);
      const text = await scrape();
      expect(text).toContain(`kong_node_info{node_id="${node.nodeId}",version="3.4.2"} 1`);
      // 3.4 has no workspace label: the new series carry none.
      expect(text).toMatch(
        /kong_http_requests_total\{service="payments",route="payments-route",code="200",source="service",consumer=""\} 1/,
      );
      node.setHealthy(false);
      expect(await scrape()).toContain('kong_datastore_reachable 0');
    } finally {
      node.setHealthy(true);
      node.setVersion('3.9.1');
    }
  });
});
