import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../src/kong/parse-prometheus-text.js';
import { nodeSnapshotFrom } from '../../src/metrics/cluster-snapshot.js';
import {
  MetricsRegistry,
  type NodeGauges,
  type ProxyObservation,
} from '../../src/sandbox/kong-node/metrics-registry.js';

const gauges = (over: Partial<NodeGauges> = {}): NodeGauges => ({
  version: '3.9.1',
  nodeId: 'n1',
  datastoreReachable: true,
  prometheusEnabled: true,
  connections: { accepted: 1, active: 1, handled: 1, reading: 0, writing: 1, waiting: 0 },
  totalRequests: 1,
  memoryBytes: 10,
  pid: 1,
  ...over,
});

const obs = (over: Partial<ProxyObservation> = {}): ProxyObservation => ({
  service: 'orders',
  route: 'orders-route',
  consumer: '',
  code: 200,
  source: 'service',
  kongMs: 3,
  upstreamMs: 42,
  requestMs: 45,
  ingressBytes: 100,
  egressBytes: 200,
  ...over,
});

const lines = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

describe('MetricsRegistry', () => {
  it('omits buckets below the smallest observation and prints bounds unpadded, in numeric order', () => {
    const r = new MetricsRegistry();
    r.observe(obs(), '3.9.1');
    const text = r.render(gauges());
    const kong = lines(text, 'kong_kong_latency_ms_bucket');
    expect(kong[0]).toBe(
      'kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="5"} 1',
    );
    expect(kong.map((l) => /le="([^"]+)"/.exec(l)?.[1])).toEqual([
      '5',
      '7',
      '10',
      '15',
      '20',
      '30',
      '50',
      '75',
      '100',
      '200',
      '500',
      '750',
      '1000',
      '3000',
      '6000',
      '+Inf',
    ]);
    expect(lines(text, 'kong_upstream_latency_ms_bucket')[0]).toContain('le="50"');
    expect(text).toContain(
      'kong_request_latency_ms_sum{service="orders",route="orders-route",workspace="default"} 45',
    );
  });

  it('keeps buckets cumulative across observations and +Inf equal to the count', () => {
    const r = new MetricsRegistry();
    for (const ms of [10, 30, 90, 70000]) r.observe(obs({ requestMs: ms }), '3.9.1');
    const text = r.render(gauges());
    const get = (le: string) =>
      Number(
        lines(text, 'kong_request_latency_ms_bucket')
          .find((l) => l.includes(`le="${le}"`))
          ?.split(' ')[1],
      );
    expect([get('25'), get('50'), get('100'), get('60000'), get('+Inf')]).toEqual([1, 2, 3, 3, 4]);
    expect(text).toContain(
      'kong_request_latency_ms_count{service="orders",route="orders-route",workspace="default"} 4',
    );
  });

  it('uses 3.0-era labels and buckets before 3.7/3.9, and skips upstream latency when there was none', () => {
    const r = new MetricsRegistry();
    r.observe(obs({ upstreamMs: undefined, code: 401, source: 'kong' }), '3.4.0');
    const text = r.render(gauges({ version: '3.4.0' }));
    expect(text).toContain(
      'kong_http_requests_total{service="orders",route="orders-route",code="401",source="kong",consumer=""} 1',
    );
    expect(text).not.toContain('le="3000"');
    expect(text).not.toContain('kong_upstream_latency_ms');
  });

  it('escapes label values and sorts families alphabetically with HELP/TYPE once', () => {
    const r = new MetricsRegistry();
    r.observe(obs({ service: 'a"b\\c' }), '3.9.1');
    r.observe(obs(), '3.9.1');
    const text = r.render(gauges());
    expect(text).toContain('service="a\\"b\\\\c"');
    const types = lines(text, '# TYPE').map((l) => l.split(' ')[2]);
    expect(types).toEqual([...types].sort());
    expect(new Set(types).size).toBe(types.length);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('exports only node gauges without a prometheus plugin', () => {
    const r = new MetricsRegistry();
    r.observe(obs(), '3.9.1');
    const text = r.render(gauges({ prometheusEnabled: false, datastoreReachable: false }));
    expect(text).toContain('kong_datastore_reachable 0');
    expect(text).toContain('kong_node_info{node_id="n1",version="3.9.1"} 1');
    expect(text).not.toContain('kong_http_requests_total');
  });
});

describe('MetricsRegistry on Kong 2.8', () => {
  it('writes the 2.8 catalogue: kong_http_status, kong_latency{type}, no node_id, no workspace', () => {
    const r = new MetricsRegistry();
    r.observe(obs({ requestMs: 45, upstreamMs: 42, kongMs: 3 }), '2.8.4');
    r.observe(obs({ code: 503, requestMs: 12, upstreamMs: 10, kongMs: 2 }), '2.8.4');
    const text = r.render(gauges({ version: '2.8.4' }));
    expect(lines(text, 'kong_http_status{')).toEqual([
      'kong_http_status{service="orders",route="orders-route",code="200"} 1',
      'kong_http_status{service="orders",route="orders-route",code="503"} 1',
    ]);
    expect(text).not.toMatch(/kong_http_requests_total|kong_node_info|node_id|workspace|_latency_ms/);
    // 12 ms creates le=15 first (none of 1…10); the request series holds both observations from 50.
    const request = lines(text, 'kong_latency_bucket{service="orders",route="orders-route",type="request"');
    expect(request[0]).toContain('le="15"} 1');
    expect(request.find((l) => l.includes('le="50"'))).toMatch(/ 2$/);
    expect(request.at(-1)).toContain('le="+Inf"} 2');
    expect(text).toContain('# TYPE kong_latency histogram');
    const parsed = parsePrometheusText(text, { strict: true });
    expect(nodeSnapshotFrom(parsed)).toMatchObject({
      generation: '2.8',
      nodeId: null,
      latencyMetric: 'kong_latency{type="request"}',
    });
  });
});
