import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../src/kong/parse-prometheus-text.js';
import {
  type ClusterSnapshot,
  nodeSnapshotFrom,
  routeKey,
  shortHash,
} from '../../src/metrics/cluster-snapshot.js';
import { windowBetween } from '../../src/metrics/cluster-window.js';
import { compareWindows } from '../../src/metrics/compare-windows.js';
import { formatComparison } from '../../src/metrics/format-comparison.js';
import { completeKongBuckets, KONG_28_LATENCY_BUCKETS } from '../../src/metrics/kong-latency-buckets.js';
import { sendsAdminToken } from '../../src/metrics/sends-admin-token.js';
import { quantileOf } from '../../src/metrics/window-stats.js';
import { type FakeKongNode, kongExposition, kongExposition28 } from '../support/fake-kong-metrics.js';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-01T00:01:00.000Z';
const THRESHOLDS = {
  maxErrorRateIncrease: 0.005,
  maxP95LatencyRatio: 1.25,
  maxP99LatencyRatio: 1.5,
  minRequests: 200,
};
type Writer = (n: FakeKongNode) => string;

function snap(at: string, nodes: Record<string, string | null>): ClusterSnapshot {
  const out: ClusterSnapshot = { v: 2, at, nodes: {}, total: Object.keys(nodes).length, unreachable: [] };
  for (const [url, text] of Object.entries(nodes)) {
    if (text === null) out.unreachable.push(`${url} (timed out)`);
    else out.nodes[shortHash(url)] = nodeSnapshotFrom(parsePrometheusText(text, { strict: true }));
  }
  return out;
}

const node = (ok: number, errors: number, latencies: number[], route = 'orders-route'): FakeKongNode => ({
  requests: [
    { service: 'orders', route, code: 200, count: ok },
    ...(errors > 0 ? [{ service: 'orders', route, code: 503, count: errors }] : []),
  ],
  latency: [{ service: 'orders', route, observations: latencies }],
});
const many = (n: number, ms: number) => Array<number>(n).fill(ms);

describe('both exposition generations', () => {
  it.each([
    ['2.8', kongExposition28 as Writer],
    ['3.x with workspace', kongExposition as Writer],
    ['3.x before 3.7 (no workspace label)', ((n) => kongExposition({ ...n, workspace: false })) as Writer],
  ])('%s: requests by code, 5xx and request latency from counter deltas', (_name, write) => {
    const w = windowBetween(
      snap(T0, { a: write(node(100, 1, many(100, 30))) }),
      snap(T1, { a: write(node(700, 31, [...many(100, 30), ...many(600, 300)])) }),
    );
    expect(w).toMatchObject({ requests: 630, status5xx: 30, status4xx: 0 });
    expect(w.latency.at(-1)?.count).toBe(600);
    expect(w.latencyMetric).toMatch(/request/);
    // every one of the 600 new requests took 300 ms: the median lies in the bucket holding 300
    const p50 = quantileOf(w, 0.5) ?? 0;
    expect(p50).toBeGreaterThan(_name === '2.8' ? 200 : 250);
    expect(p50).toBeLessThanOrEqual(_name === '2.8' ? 300 : 400);
    // the route survives in the window, in the default workspace whether labelled or not
    expect(w.routes).toEqual([
      expect.objectContaining({
        workspace: 'default',
        service: 'orders',
        route: 'orders-route',
        codes: { '200': 600, '503': 30 },
      }),
    ]);
  });

  it('reads 2.8 as its own generation, without node_id, and prefers type="request" over upstream', () => {
    const s = nodeSnapshotFrom(parsePrometheusText(kongExposition28(node(5, 0, [12])), { strict: true }));
    expect(s).toMatchObject({
      generation: '2.8',
      nodeId: null,
      latencyMetric: 'kong_latency{type="request"}',
    });
    const route = s.routes[routeKey({ workspace: 'default', service: 'orders', route: 'orders-route' })];
    // kong/request/upstream are one family in 2.8: only the request series is kept
    expect(Object.keys(route?.latency ?? {})).toHaveLength(1);
    const three = nodeSnapshotFrom(parsePrometheusText(kongExposition(node(5, 0, [12])), { strict: true }));
    expect(three).toMatchObject({ generation: '3.x', latencyMetric: 'kong_request_latency_ms' });
  });

  it('keeps routes of other workspaces apart', () => {
    const text = (n: number) =>
      [
        '# TYPE kong_http_requests_total counter',
        `kong_http_requests_total{service="s",route="r",code="200",source="service",workspace="default",consumer=""} ${n}`,
        `kong_http_requests_total{service="s",route="r",code="500",source="service",workspace="team-b",consumer=""} ${n}`,
      ].join('\n');
    const w = windowBetween(snap(T0, { a: text(1) }), snap(T1, { a: text(11) }));
    expect(w.routes?.map((r) => [r.workspace, r.codes])).toEqual([
      ['default', { '200': 10 }],
      ['team-b', { '500': 10 }],
    ]);
  });

  it('compares a 2.8 X with a 3.x Y: same traffic reads the same', () => {
    const load = (n: number) => node(n, 0, many(n, 40));
    const x = windowBetween(
      snap(T0, { x: kongExposition28(load(100)) }),
      snap(T1, { x: kongExposition28(load(1100)) }),
    );
    const y = windowBetween(
      snap(T0, { y: kongExposition(load(100)) }),
      snap(T1, { y: kongExposition(load(1100)) }),
    );
    expect(x.requests).toBe(y.requests);
    const c = compareWindows(x, y, THRESHOLDS);
    expect(c.verdict).not.toBe('insufficient_data');
    expect(c.x.p50).not.toBeNull();
  });
});

describe('buckets Kong omits', () => {
  it("interpolates inside the lowest present bucket from the set's previous bound, not from 0", () => {
    // 3.x: 400 requests of 40 ms create le=50 and up only; the true median lies in (25, 50].
    const w = windowBetween(
      snap(T0, { a: kongExposition(node(1, 0, [40])) }),
      snap(T1, { a: kongExposition(node(401, 0, many(401, 40))) }),
    );
    expect(quantileOf(w, 0.5)).toBeCloseTo(37.5, 6); // 25 + 25 × ½ (it was 25 = 0 + 50 × ½ without the fix)
    // 2.8: 12 ms lands in (10, 15]
    const w28 = windowBetween(
      snap(T0, { a: kongExposition28(node(1, 0, [12])) }),
      snap(T1, { a: kongExposition28(node(401, 0, many(401, 12))) }),
    );
    expect(quantileOf(w28, 0.5)).toBeCloseTo(12.5, 6);
  });

  it('leaves a series with bounds outside the known set as it is', () => {
    const odd = [
      { le: 33, count: 1 },
      { le: Number.POSITIVE_INFINITY, count: 2 },
    ];
    expect(completeKongBuckets(odd, KONG_28_LATENCY_BUCKETS)).toEqual(odd);
    expect(
      completeKongBuckets(
        [
          { le: 5, count: 3 },
          { le: Number.POSITIVE_INFINITY, count: 3 },
        ],
        [1, 2, 5, 7],
      ),
    ).toEqual([
      { le: 1, count: 0 },
      { le: 2, count: 0 },
      { le: 5, count: 3 },
      { le: 7, count: 3 },
      { le: Number.POSITIVE_INFINITY, count: 3 },
    ]);
  });
});

describe('a node restart between scrapes', () => {
  it('2.8 (no node_id): a counter that went down resets the whole node, so its new 5xx all count', () => {
    const prev = snap(T0, { a: kongExposition28(node(5000, 10, many(50, 30))) });
    // restarted: 200 counter low again, but 503 already higher than before
    const next = snap(T1, { a: kongExposition28(node(300, 40, many(60, 30))) });
    const w = windowBetween(prev, next);
    expect(w.requests).toBe(340);
    expect(w.status5xx).toBe(40);
    expect(w.latency.at(-1)?.count).toBe(60);
  });

  it('3.x: a new node_id resets the node even when every counter went up', () => {
    const prev = snap(T0, { a: kongExposition({ ...node(100, 1, [30]), nodeId: 'n1' }) });
    const next = snap(T1, { a: kongExposition({ ...node(150, 2, [30, 30]), nodeId: 'n2' }) });
    expect(windowBetween(prev, next)).toMatchObject({ requests: 152, status5xx: 2 });
  });
});

describe('clusters of several nodes', () => {
  const healthy = (n: number) => kongExposition(node(n, 0, many(n, 40)));

  it('sums nodes and says how many answered', () => {
    const w = windowBetween(
      snap(T0, { a: healthy(10), b: healthy(20), c: healthy(30) }),
      snap(T1, { a: healthy(110), b: healthy(220), c: healthy(330) }),
    );
    expect(w).toMatchObject({ requests: 600, nodes: { total: 3, answered: 3, failed: [] } });
  });

  it('a Y node not scraped holds back a pass, is named, and never hides a fail', () => {
    const x = windowBetween(
      snap(T0, { a: healthy(0), b: healthy(0) }),
      snap(T1, { a: healthy(1000), b: healthy(1000) }),
    );
    const prevY = snap(T0, { a: healthy(0), b: healthy(0), c: healthy(0) });
    const y = windowBetween(
      prevY,
      snap(T1, { a: healthy(1000), b: healthy(1000), 'http://kong-y-3:8100/metrics': null }),
    );
    expect(y.nodes).toEqual({ total: 3, answered: 2, failed: ['http://kong-y-3:8100/metrics (timed out)'] });
    const c = compareWindows(x, y, THRESHOLDS);
    expect(c.rows.every((r) => r.verdict === 'pass')).toBe(true);
    expect(c.verdict).toBe('insufficient_data');
    const text = formatComparison(c);
    expect(text).toContain('Y 2,000 requests (2 of 3 nodes)');
    expect(text).toContain('http://kong-y-3:8100/metrics (timed out)');
    const failing = windowBetween(
      prevY,
      snap(T1, {
        a: kongExposition(node(400, 600, many(1000, 40))),
        b: healthy(1000),
        'http://kong-y-3:8100/metrics': null,
      }),
    );
    expect(compareWindows(x, failing, THRESHOLDS).verdict).toBe('fail');
  });

  it('no node answering is insufficient_data, never pass, on either side', () => {
    const x = windowBetween(snap(T0, { a: healthy(0) }), snap(T1, { a: null }));
    const y = windowBetween(snap(T0, { a: healthy(0) }), snap(T1, { a: healthy(5000) }));
    const c = compareWindows(x, y, { ...THRESHOLDS, minRequests: 1 });
    expect(x.nodes).toMatchObject({ answered: 0, total: 1 });
    expect(c.verdict).toBe('insufficient_data');
    expect(formatComparison(c)).toContain('X: no node counted; not scraped: a (timed out)');
  });
});

describe('sendsAdminToken (docs/contract.md#clarifications)', () => {
  it.each([
    ['http://kong:8001', 'http://kong:8001/metrics', true],
    ['http://kong:8001/', 'http://kong:8001/metrics', true],
    ['https://gw.example/admin', 'https://gw.example/admin/metrics', true],
    ['https://gw.example/admin', 'https://gw.example/administrator/metrics', false],
    ['http://kong:8001', 'http://kong:8100/metrics', false],
    ['http://kong:8001', 'http://kong:80011/metrics', false],
    ['http://kong:8001', 'http://kong:8001.evil.example/metrics', false],
    ['http://kong:8001', 'https://kong:8001/metrics', false],
    ['http://kong:8001', 'not a url', false],
  ])('%s → %s: %s', (admin, metrics, expected) => {
    expect(sendsAdminToken(admin, metrics)).toBe(expected);
  });
});
