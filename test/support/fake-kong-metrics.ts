import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The Kong 3.9 sample exposition from /work/shared/reference/kong.md section 3.4, verbatim. */
export const KONG_SAMPLE_EXPOSITION = `
# HELP kong_bandwidth_bytes Total bandwidth (ingress/egress) throughput in bytes
# TYPE kong_bandwidth_bytes counter
kong_bandwidth_bytes{service="orders",route="orders-route",direction="egress",workspace="default",consumer="alice"} 1183
kong_bandwidth_bytes{service="orders",route="orders-route",direction="ingress",workspace="default",consumer="alice"} 212
# HELP kong_datastore_reachable Datastore reachable from Kong, 0 is unreachable
# TYPE kong_datastore_reachable gauge
kong_datastore_reachable 1
# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong
# TYPE kong_http_requests_total counter
kong_http_requests_total{service="orders",route="orders-route",code="200",source="service",workspace="default",consumer="alice"} 1
# HELP kong_kong_latency_ms Latency added by Kong and enabled plugins for each service/route in Kong
# TYPE kong_kong_latency_ms histogram
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="5"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="7"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="10"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="15"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="20"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="30"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="50"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="75"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="100"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="200"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="500"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="750"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="1000"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="3000"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="6000"} 1
kong_kong_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="+Inf"} 1
kong_kong_latency_ms_count{service="orders",route="orders-route",workspace="default"} 1
kong_kong_latency_ms_sum{service="orders",route="orders-route",workspace="default"} 3
# HELP kong_memory_lua_shared_dict_bytes Allocated slabs in bytes in a shared_dict
# TYPE kong_memory_lua_shared_dict_bytes gauge
kong_memory_lua_shared_dict_bytes{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",shared_dict="kong",kong_subsystem="http"} 45056
kong_memory_lua_shared_dict_bytes{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",shared_dict="prometheus_metrics",kong_subsystem="http"} 49152
# HELP kong_memory_lua_shared_dict_total_bytes Total capacity in bytes of a shared_dict
# TYPE kong_memory_lua_shared_dict_total_bytes gauge
kong_memory_lua_shared_dict_total_bytes{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",shared_dict="kong",kong_subsystem="http"} 5242880
kong_memory_lua_shared_dict_total_bytes{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",shared_dict="prometheus_metrics",kong_subsystem="http"} 5242880
# HELP kong_memory_workers_lua_vms_bytes Allocated bytes in worker Lua VM
# TYPE kong_memory_workers_lua_vms_bytes gauge
kong_memory_workers_lua_vms_bytes{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",pid="1262",kong_subsystem="http"} 43231744
# HELP kong_nginx_connections_total Number of connections by subsystem
# TYPE kong_nginx_connections_total gauge
kong_nginx_connections_total{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",subsystem="http",state="accepted"} 512
kong_nginx_connections_total{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",subsystem="http",state="active"} 3
kong_nginx_connections_total{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",subsystem="http",state="handled"} 512
kong_nginx_connections_total{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",subsystem="http",state="reading"} 0
kong_nginx_connections_total{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",subsystem="http",state="total"} 2048
kong_nginx_connections_total{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",subsystem="http",state="waiting"} 2
kong_nginx_connections_total{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",subsystem="http",state="writing"} 1
# HELP kong_nginx_metric_errors_total Number of nginx-lua-prometheus errors
# TYPE kong_nginx_metric_errors_total counter
kong_nginx_metric_errors_total 0
# HELP kong_nginx_requests_total Number of requests total
# TYPE kong_nginx_requests_total gauge
kong_nginx_requests_total{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",subsystem="http"} 2048
# HELP kong_nginx_timers Number of nginx timers
# TYPE kong_nginx_timers gauge
kong_nginx_timers{state="pending"} 6
kong_nginx_timers{state="running"} 0
# HELP kong_node_info Kong Node metadata information
# TYPE kong_node_info gauge
kong_node_info{node_id="2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40",version="3.9.0"} 1
# HELP kong_request_latency_ms Total latency incurred during requests for each service/route in Kong
# TYPE kong_request_latency_ms histogram
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="50"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="80"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="100"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="250"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="400"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="700"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="1000"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="2000"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="5000"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="10000"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="30000"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="60000"} 1
kong_request_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="+Inf"} 1
kong_request_latency_ms_count{service="orders",route="orders-route",workspace="default"} 1
kong_request_latency_ms_sum{service="orders",route="orders-route",workspace="default"} 45
# HELP kong_upstream_latency_ms Latency added by upstream response for each service/route in Kong
# TYPE kong_upstream_latency_ms histogram
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="50"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="80"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="100"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="250"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="400"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="700"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="1000"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="2000"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="5000"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="10000"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="30000"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="60000"} 1
kong_upstream_latency_ms_bucket{service="orders",route="orders-route",workspace="default",le="+Inf"} 1
kong_upstream_latency_ms_count{service="orders",route="orders-route",workspace="default"} 1
kong_upstream_latency_ms_sum{service="orders",route="orders-route",workspace="default"} 42
# HELP kong_upstream_target_health Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.
# TYPE kong_upstream_target_health gauge
kong_upstream_target_health{upstream="orders.internal",target="10.0.0.5:8080",address="10.0.0.5:8080",state="dns_error",subsystem="http"} 0
kong_upstream_target_health{upstream="orders.internal",target="10.0.0.5:8080",address="10.0.0.5:8080",state="healthchecks_off",subsystem="http"} 1
kong_upstream_target_health{upstream="orders.internal",target="10.0.0.5:8080",address="10.0.0.5:8080",state="healthy",subsystem="http"} 0
kong_upstream_target_health{upstream="orders.internal",target="10.0.0.5:8080",address="10.0.0.5:8080",state="unhealthy",subsystem="http"} 0
`;

/** Kong 3.x request/upstream latency buckets (UPSTREAM_LATENCY_BUCKETS). */
export const UPSTREAM_LATENCY_BUCKETS = [
  25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000,
];

export interface FakeRequestSeries {
  service: string;
  route: string;
  code: number;
  count: number;
  consumer?: string;
}

export interface FakeLatencySeries {
  service: string;
  route: string;
  /** Observed latencies in ms; buckets are built as Kong does (none below the smallest value). */
  observations: number[];
}

export interface FakeKongNode {
  nodeId?: string;
  requests: FakeRequestSeries[];
  latency?: FakeLatencySeries[];
  /** Which latency family to write (default kong_request_latency_ms). */
  latencyMetric?: 'kong_request_latency_ms' | 'kong_upstream_latency_ms';
  /** Without the `workspace` label, as Kong before 3.7 writes (default: with it). */
  workspace?: boolean;
}

/** Kong 2.8's one latency bucket set (kong.md §3.3). */
export const KONG_28_BUCKETS = [
  1, 2, 5, 7, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100, 200, 300, 400, 500, 1000, 2000, 5000, 10000,
  30000, 60000,
];

/**
 * Writes an exposition in the shape Kong 2.8's Prometheus plugin does (kong.md §3.3, end): no
 * `kong_node_info` and no node_id, `kong_http_status{service,route,code}`, and one
 * `kong_latency` histogram with `type` = kong | request | upstream, buckets created lazily. The
 * request latency is the observations; kong latency a tenth of them, upstream 90 %.
 */
export function kongExposition28(node: FakeKongNode): string {
  const lines: string[] = [];
  lines.push('# HELP kong_datastore_reachable Datastore reachable from Kong, 0 is unreachable');
  lines.push('# TYPE kong_datastore_reachable gauge', 'kong_datastore_reachable 1');
  if (node.requests.length > 0) {
    lines.push('# HELP kong_http_status HTTP status codes per service/route in Kong');
    lines.push('# TYPE kong_http_status counter');
    for (const s of node.requests) {
      lines.push(
        `kong_http_status{service="${esc(s.service)}",route="${esc(s.route)}",code="${s.code}"} ${s.count}`,
      );
    }
  }
  const latency = (node.latency ?? []).filter((l) => l.observations.length > 0);
  if (latency.length > 0) {
    lines.push(
      '# HELP kong_latency Latency added by Kong, total request time and upstream latency for each service/route in Kong',
    );
    lines.push('# TYPE kong_latency histogram');
    const series: string[] = [];
    for (const l of latency) {
      for (const [type, factor] of [
        ['kong', 0.1],
        ['request', 1],
        ['upstream', 0.9],
      ] as const) {
        const obs = l.observations.map((v) => v * factor);
        const labels = `service="${esc(l.service)}",route="${esc(l.route)}",type="${type}"`;
        for (const le of KONG_28_BUCKETS) {
          if (!obs.some((v) => v <= le)) continue;
          series.push(`kong_latency_bucket{${labels},le="${le}"} ${obs.filter((v) => v <= le).length}`);
        }
        series.push(`kong_latency_bucket{${labels},le="+Inf"} ${obs.length}`);
        series.push(`kong_latency_count{${labels}} ${obs.length}`);
        series.push(`kong_latency_sum{${labels}} ${obs.reduce((a, b) => a + b, 0)}`);
      }
    }
    lines.push(...series);
  }
  lines.push('# HELP kong_nginx_http_current_connections Number of HTTP connections');
  lines.push('# TYPE kong_nginx_http_current_connections gauge');
  lines.push('kong_nginx_http_current_connections{state="active"} 1');
  return `${lines.join('\n')}\n`;
}

/** Writes an exposition in the shape Kong 3.9's Prometheus plugin does (sorted series, lazy buckets). */
export function kongExposition(node: FakeKongNode): string {
  const lines: string[] = [];
  const ws = node.workspace === false ? '' : ',workspace="default"';
  const nodeId = node.nodeId ?? '2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40';
  lines.push('# HELP kong_datastore_reachable Datastore reachable from Kong, 0 is unreachable');
  lines.push('# TYPE kong_datastore_reachable gauge', 'kong_datastore_reachable 1');
  if (node.requests.length > 0) {
    lines.push('# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong');
    lines.push('# TYPE kong_http_requests_total counter');
    for (const s of node.requests) {
      lines.push(
        `kong_http_requests_total{service="${esc(s.service)}",route="${esc(s.route)}",code="${s.code}",source="service"${ws},consumer="${esc(s.consumer ?? '')}"} ${s.count}`,
      );
    }
  }
  lines.push('# HELP kong_node_info Kong Node metadata information', '# TYPE kong_node_info gauge');
  lines.push(`kong_node_info{node_id="${nodeId}",version="3.9.0"} 1`);
  const metric = node.latencyMetric ?? 'kong_request_latency_ms';
  const latency = (node.latency ?? []).filter((l) => l.observations.length > 0);
  if (latency.length > 0) {
    lines.push(`# HELP ${metric} Total latency incurred during requests for each service/route in Kong`);
    lines.push(`# TYPE ${metric} histogram`);
    for (const l of latency) {
      const labels = `service="${esc(l.service)}",route="${esc(l.route)}"${ws}`;
      for (const le of UPSTREAM_LATENCY_BUCKETS) {
        // Kong creates a bucket only once a value at or below it was observed.
        if (!l.observations.some((v) => v <= le)) continue;
        lines.push(`${metric}_bucket{${labels},le="${le}"} ${l.observations.filter((v) => v <= le).length}`);
      }
      lines.push(`${metric}_bucket{${labels},le="+Inf"} ${l.observations.length}`);
      lines.push(`${metric}_count{${labels}} ${l.observations.length}`);
      lines.push(`${metric}_sum{${labels}} ${l.observations.reduce((a, b) => a + b, 0)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export interface FakeKongMetricsServer {
  url: string;
  /** Requests received (method, path, headers). */
  requests: { method: string; path: string; headers: IncomingMessage['headers'] }[];
  /** Body served by GET /metrics. */
  setBody(body: string): void;
  /** The next `times` requests answer with this status (then the body again). */
  failNext(status: number, times: number, body?: string): void;
  /** Delay every answer (to test timeouts). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startFakeKongMetrics(
  initialBody = KONG_SAMPLE_EXPOSITION,
): Promise<FakeKongMetricsServer> {
  let body = initialBody;
  let delay = 0;
  const failures: { status: number; body: string }[] = [];
  const requests: FakeKongMetricsServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    const answer = () => {
      const failure = failures.shift();
      if (failure) {
        res.writeHead(failure.status, { 'content-type': 'text/plain' }).end(failure.body);
        return;
      }
      if (req.method !== 'GET' || !req.url?.startsWith('/metrics')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not found"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end(body);
    };
    if (delay > 0) setTimeout(answer, delay);
    else answer();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    requests,
    setBody(next) {
      body = next;
    },
    failNext(status, times, failureBody = 'upstream unavailable') {
      for (let i = 0; i < times; i++) failures.push({ status, body: failureBody });
    },
    setDelay(ms) {
      delay = ms;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
