import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { parsePrometheusText } from '../../src/kong/parse-prometheus-text.js';
import {
  type ClusterSnapshot,
  clusterSnapshotSchema,
  nodeSnapshotFrom,
  shortHash,
} from '../../src/metrics/cluster-snapshot.js';
import { counterIncrease, windowBetween } from '../../src/metrics/cluster-window.js';
import { compareWindows } from '../../src/metrics/compare-windows.js';
import { quantileOf } from '../../src/metrics/window-stats.js';
import { type FakeKongNode, kongExposition } from '../support/fake-kong-metrics.js';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-01T00:01:00.000Z';
const INF = Number.POSITIVE_INFINITY;

function snap(at: string, nodes: Record<string, FakeKongNode>): ClusterSnapshot {
  const out: ClusterSnapshot = { v: 2, at, nodes: {}, total: Object.keys(nodes).length, unreachable: [] };
  for (const [url, node] of Object.entries(nodes)) {
    out.nodes[shortHash(url)] = nodeSnapshotFrom(parsePrometheusText(kongExposition(node), { strict: true }));
  }
  return out;
}

const req = (code: number, count: number, route = 'orders-route') => ({
  service: 'orders',
  route,
  code,
  count,
});
const lat = (observations: number[], route = 'orders-route') => ({ service: 'orders', route, observations });

describe('windowBetween', () => {
  it('sums counter increases over series and classes status codes', () => {
    const prev = snap(T0, {
      a: { requests: [req(200, 100), req(500, 1), req(404, 2), req(200, 5, 'other')] },
    });
    const next = snap(T1, {
      a: { requests: [req(200, 700), req(500, 4), req(404, 10), req(200, 6, 'other')] },
    });
    expect(windowBetween(prev, next)).toMatchObject({
      seconds: 60,
      requests: 600 + 3 + 8 + 1,
      status5xx: 3,
      status4xx: 8,
      latency: [],
      latencyMetric: null,
    });
  });

  it('treats a counter that went down as a restart of its node: every series counts from zero', () => {
    // Kong's counters live in a shared memory zone only a restart clears: the 500s are all new too.
    const prev = snap(T0, { a: { requests: [req(200, 1000), req(500, 40)] } });
    const next = snap(T1, { a: { requests: [req(200, 50), req(500, 41)] } });
    const w = windowBetween(prev, next);
    expect(w.requests).toBe(50 + 41);
    expect(w.status5xx).toBe(41);
  });

  it('resets every series of a node whose node_id changed, even when the new values are higher', () => {
    const prev = snap(T0, { a: { nodeId: 'old', requests: [req(200, 100), req(500, 2)] } });
    const next = snap(T1, { a: { nodeId: 'new', requests: [req(200, 150), req(500, 3)] } });
    expect(windowBetween(prev, next)).toMatchObject({ requests: 153, status5xx: 3 });
  });

  it('counts a series that appeared on a known node in full (the first 503 of a route)', () => {
    const prev = snap(T0, { a: { requests: [req(200, 100)] } });
    const next = snap(T1, { a: { requests: [req(200, 160), req(503, 7)] } });
    expect(windowBetween(prev, next)).toMatchObject({ requests: 67, status5xx: 7 });
  });

  it('ignores a series that disappeared and a node not seen before', () => {
    const prev = snap(T0, { a: { requests: [req(200, 100), req(500, 9)] } });
    const next = snap(T1, {
      a: { requests: [req(200, 130)] },
      b: { requests: [req(200, 5000), req(500, 800)] },
    });
    expect(windowBetween(prev, next)).toMatchObject({ requests: 30, status5xx: 0 });
  });

  it('sums nodes of a cluster', () => {
    const prev = snap(T0, { a: { requests: [req(200, 10)] }, b: { requests: [req(200, 20), req(502, 1)] } });
    const next = snap(T1, {
      a: { requests: [req(200, 110)] },
      b: { requests: [req(200, 220), req(502, 3)] },
    });
    expect(windowBetween(prev, next)).toMatchObject({ requests: 302, status5xx: 2 });
  });

  it('makes latency bucket increases summed over series, including buckets Kong created late', () => {
    // Before: one request of 300 ms (no bucket below 400 exists yet). After: plus 30 ms and 60 ms.
    const prev = snap(T0, { a: { requests: [req(200, 1)], latency: [lat([300]), lat([90], 'other')] } });
    const next = snap(T1, {
      a: { requests: [req(200, 4)], latency: [lat([300, 30, 60]), lat([90, 90], 'other')] },
    });
    const w = windowBetween(prev, next);
    expect(w.latencyMetric).toBe('kong_request_latency_ms');
    const at = (le: number) => w.latency.find((b) => b.le === le)?.count;
    expect(at(25)).toBe(0); // nothing ever fell at or below 25 ms: the bucket Kong omits is put back
    expect(at(50)).toBe(1); // the 30 ms
    expect(at(80)).toBe(2); // + the 60 ms
    expect(at(100)).toBe(3); // + the new 90 ms on the other route
    expect(at(400)).toBe(3);
    expect(at(INF)).toBe(3);
    const counts = w.latency.map((b) => b.count);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    // rank 1.5 of 3 falls in (50, 80] holding 1: 50 + 30 × 0.5/1
    expect(quantileOf(w, 0.5)).toBeCloseTo(65, 10);
  });

  it('resets a whole histogram series when any bucket went down', () => {
    const prev = snap(T0, {
      a: { requests: [req(200, 9)], latency: [lat([30, 30, 30, 30, 200, 200, 200, 200, 200])] },
    });
    const next = snap(T1, { a: { requests: [req(200, 2)], latency: [lat([300, 300])] } });
    const w = windowBetween(prev, next);
    expect(w.requests).toBe(2);
    expect(w.latency.every((b) => b.count >= 0)).toBe(true);
    expect(w.latency.find((b) => b.le === INF)?.count).toBe(2);
    expect(w.latency.find((b) => b.le === 250)?.count).toBe(0);
    expect(w.latency.find((b) => b.le === 400)?.count).toBe(2);
  });

  it('falls back to kong_upstream_latency_ms, and drops latency when the family changed in between', () => {
    const up = (at: string, obs: number[], metric?: FakeKongNode['latencyMetric']) =>
      snap(at, {
        a: {
          requests: [req(200, obs.length)],
          latency: [lat(obs)],
          latencyMetric: metric ?? 'kong_upstream_latency_ms',
        },
      });
    const w = windowBetween(up(T0, [40]), up(T1, [40, 40]));
    expect(w.latencyMetric).toBe('kong_upstream_latency_ms');
    expect(w.latency.at(-1)?.count).toBe(1);
    const changed = windowBetween(up(T0, [40]), up(T1, [40, 40], 'kong_request_latency_ms'));
    expect(changed.latency).toEqual([]);
    expect(changed.latencyMetric).toBeNull();
  });

  it('refuses a window that does not move forward in time', () => {
    const s = snap(T0, { a: { requests: [req(200, 1)] } });
    expect(() => windowBetween(s, s)).toThrow(AppError);
    expect(() => windowBetween(snap(T1, {}), s)).toThrow(/forward in time/);
  });

  it('survives a JSON round trip (the compare job persists the snapshot) and stays compact', () => {
    const prev = snap(T0, { a: { requests: [req(200, 100), req(500, 0)], latency: [lat([30])] } });
    const next = snap(T1, { a: { requests: [req(200, 200), req(500, 2)], latency: [lat([30, 70])] } });
    const restored = clusterSnapshotSchema.parse(JSON.parse(JSON.stringify(prev)));
    expect(restored).toEqual(prev);
    expect(windowBetween(restored, next)).toEqual(windowBetween(prev, next));
    const routes = Object.values(prev.nodes[shortHash('a')]?.routes ?? {});
    expect(Object.keys(routes[0]?.requests ?? {})).toHaveLength(1); // the zero 500 is left out
    expect(() => clusterSnapshotSchema.parse({ ...prev, at: 'yesterday' })).toThrow();
  });

  it('never yields a negative count, whatever the counters do', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(200, 404, 500, 503), fc.nat(10_000), fc.nat(10_000)), {
          maxLength: 8,
        }),
        fc.boolean(),
        (series, restart) => {
          const routes = series.map(([code, ,], i) => ({ code, route: `r${i}` }));
          const prev = snap(T0, {
            a: { nodeId: 'n1', requests: routes.map((r, i) => req(r.code, series[i]?.[1] ?? 0, r.route)) },
          });
          const next = snap(T1, {
            a: {
              nodeId: restart ? 'n2' : 'n1',
              requests: routes.map((r, i) => req(r.code, series[i]?.[2] ?? 0, r.route)),
            },
          });
          const w = windowBetween(prev, next);
          expect(w.requests).toBeGreaterThanOrEqual(0);
          expect(w.status5xx).toBeGreaterThanOrEqual(0);
          expect(w.requests).toBeLessThanOrEqual(series.reduce((s, [, , after]) => s + after, 0));
        },
      ),
    );
    expect(counterIncrease(undefined, 5)).toBe(5);
    expect(counterIncrease(10, 4)).toBe(4);
    expect(counterIncrease(4, 10)).toBe(6);
  });

  it('a node restart on Y at a healthy error rate does not fail the comparison', () => {
    const x = windowBetween(
      snap(T0, { x: { requests: [req(200, 100_000), req(500, 200)], latency: [lat(Array(400).fill(60))] } }),
      snap(T1, { x: { requests: [req(200, 111_400), req(500, 223)], latency: [lat(Array(800).fill(60))] } }),
    );
    const y = windowBetween(
      snap(T0, {
        y: {
          nodeId: 'before',
          requests: [req(200, 90_000), req(500, 900)],
          latency: [lat(Array(900).fill(60))],
        },
      }),
      snap(T1, {
        y: { nodeId: 'after', requests: [req(200, 600), req(500, 1)], latency: [lat(Array(600).fill(60))] },
      }),
    );
    expect(y.requests).toBe(601);
    expect(
      compareWindows(x, y, {
        maxErrorRateIncrease: 0.005,
        maxP95LatencyRatio: 1.25,
        maxP99LatencyRatio: 1.5,
        minRequests: 200,
      }).verdict,
    ).toBe('pass');
  });
});
