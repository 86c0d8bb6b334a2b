import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKongMetricsSource } from '../../src/metrics/kong-metrics-source.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import {
  type SimulatedKongCluster,
  startSimulatedKongCluster,
} from '../../src/sandbox/simulated-kong-cluster.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// A Kong 2.8 cluster of three nodes behind one balancer, read by the kong metrics source.
let db: TestDatabase;
let cluster: SimulatedKongCluster;
let open = '/';

beforeAll(async () => {
  db = await createTestDatabase('kub_simcluster');
  const seed = await seedKongDatabase(db.url, { version: '2.8.4', services: 3, consumers: 2 });
  open = seed.fixtures.open?.path ?? '/';
  cluster = await startSimulatedKongCluster({ databaseUrl: db.url, version: '2.8.4', nodes: 3 });
});

afterAll(async () => {
  await cluster?.close();
  await db?.drop();
});

async function fire(n: number): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, () =>
        fetch(`${cluster.proxyUrl}${open}`).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    codes.push(...batch);
  }
  return codes;
}

describe('a simulated Kong 2.8 cluster of several nodes', () => {
  it('spreads traffic over its nodes; the source sums them, names a node that hangs, and sees one node fail alone', async () => {
    const source = createKongMetricsSource({
      x: { metricsUrls: cluster.metricsUrls },
      y: { metricsUrls: cluster.metricsUrls },
      timeoutMs: 500,
      retries: 0,
    });
    const first = await source.observe(null);
    expect(first.windows).toBeNull();
    const text = await (await fetch(cluster.metricsUrls[0] ?? '')).text();
    expect(text).not.toContain('kong_node_info');

    expect((await fire(90)).every((c) => c === 200)).toBe(true);
    const second = await source.observe(first.state);
    expect(second.windows?.x).toMatchObject({ requests: 90, status5xx: 0, nodes: { total: 3, answered: 3 } });
    expect(second.windows?.x.latencyMetric).toBe('kong_latency{type="request"}');

    cluster.nodes[1]?.setFaults({ errorRatio: 1 });
    cluster.nodes[2]?.setMetricsFault('hang');
    const codes = await fire(60);
    expect(codes.filter((c) => c >= 500)).toHaveLength(20);
    const started = Date.now();
    const third = await source.observe(second.state);
    expect(Date.now() - started).toBeLessThan(1500);
    const w = third.windows?.x;
    // node 3 served 20 requests unseen: counted 40 of 60, all 20 errors of node 2 among them
    expect(w).toMatchObject({ requests: 40, status5xx: 20, nodes: { total: 3, answered: 2 } });
    expect(w?.nodes?.failed).toEqual([`${cluster.metricsUrls[2]} (timed out)`]);
    cluster.nodes[2]?.setMetricsFault('refuse');
    const refused = await source.scrape('x');
    expect(refused.unreachable).toEqual([`${cluster.metricsUrls[2]} (unreachable)`]);
    cluster.nodes[2]?.setMetricsFault('error');
    expect((await source.scrape('x')).unreachable).toEqual([`${cluster.metricsUrls[2]} (HTTP 500)`]);
  });
});
