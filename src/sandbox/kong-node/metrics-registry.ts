import { kongVersionAtLeast } from './kong-version.js';

/** One proxied request, as Kong's prometheus exporter sees it in the log phase. */
export interface ProxyObservation {
  service: string;
  route: string;
  consumer: string;
  code: number;
  /** "service" when the upstream produced the response, "kong" when Kong did (auth failure, 502…). */
  source: 'service' | 'kong';
  kongMs: number;
  /** Absent when the request never reached the upstream. */
  upstreamMs?: number;
  requestMs: number;
  ingressBytes: number;
  egressBytes: number;
}

export interface NodeGauges {
  version: string;
  nodeId: string;
  datastoreReachable: boolean;
  /** Whether a prometheus plugin is enabled; since 3.2 the request series are skipped without one. */
  prometheusEnabled: boolean;
  connections: {
    accepted: number;
    active: number;
    handled: number;
    reading: number;
    writing: number;
    waiting: number;
  };
  totalRequests: number;
  memoryBytes: number;
  pid: number;
}

const UPSTREAM_BUCKETS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000];
const KONG_BUCKETS_30 = [1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000];
const KONG_BUCKETS_39 = [...KONG_BUCKETS_30, 3000, 6000];

/** Kong 2.8's one bucket set, for every `type` of `kong_latency`. */
const LATENCY_BUCKETS_28 = [
  1, 2, 5, 7, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100, 200, 300, 400, 500, 1000, 2000, 5000, 10000,
  30000, 60000,
];

const HELP: Record<string, [string, string]> = {
  // Kong 2.8's catalogue (kong.md §3.3, end).
  kong_bandwidth: ['Total bandwidth in bytes consumed per service/route in Kong', 'counter'],
  kong_http_status: ['HTTP status codes per service/route in Kong', 'counter'],
  kong_latency: [
    'Latency added by Kong, total request time and upstream latency for each service/route in Kong',
    'histogram',
  ],
  kong_nginx_http_current_connections: ['Number of HTTP connections', 'gauge'],
  kong_bandwidth_bytes: ['Total bandwidth (ingress/egress) throughput in bytes', 'counter'],
  kong_datastore_reachable: ['Datastore reachable from Kong, 0 is unreachable', 'gauge'],
  kong_http_requests_total: ['HTTP status codes per consumer/service/route in Kong', 'counter'],
  kong_kong_latency_ms: [
    'Latency added by Kong and enabled plugins for each service/route in Kong',
    'histogram',
  ],
  kong_memory_workers_lua_vms_bytes: ['Allocated bytes in worker Lua VM', 'gauge'],
  kong_nginx_connections_total: ['Number of connections by subsystem', 'gauge'],
  kong_nginx_metric_errors_total: ['Number of nginx-lua-prometheus errors', 'counter'],
  kong_nginx_requests_total: ['Number of requests total', 'gauge'],
  kong_nginx_timers: ['Number of nginx timers', 'gauge'],
  kong_node_info: ['Kong Node metadata information', 'gauge'],
  kong_request_latency_ms: [
    'Total latency incurred during requests for each service/route in Kong',
    'histogram',
  ],
  kong_upstream_latency_ms: [
    'Latency added by upstream response for each service/route in Kong',
    'histogram',
  ],
};

const esc = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
const labels = (pairs: [string, string][]) => `{${pairs.map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`;

interface Histogram {
  /** Count per bucket index (not cumulative); index buckets.length is +Inf only. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * Kong's Prometheus exposition, written by hand: series keys sorted like nginx-lua-prometheus sorts
 * its shared-dict keys (buckets ordered by their zero-padded bound), buckets below the smallest
 * observation absent, families without samples omitted, HELP/TYPE once per family.
 */
export class MetricsRegistry {
  readonly #counters = new Map<string, number>();
  readonly #histograms = new Map<
    string,
    { family: string; labelPairs: [string, string][]; buckets: number[]; h: Histogram }
  >();

  observe(
    o: ProxyObservation,
    version: string,
    flags: { statusCodes: boolean; latency: boolean; bandwidth: boolean } = {
      statusCodes: true,
      latency: true,
      bandwidth: true,
    },
  ): void {
    if (!kongVersionAtLeast(version, '3.0.0')) {
      this.#observe28(o);
      return;
    }
    const ws: [string, string][] = kongVersionAtLeast(version, '3.7.0') ? [['workspace', 'default']] : [];
    const sr: [string, string][] = [
      ['service', o.service],
      ['route', o.route],
    ];
    if (flags.statusCodes)
      this.#add(
        `kong_http_requests_total${labels([...sr, ['code', String(o.code)], ['source', o.source], ...ws, ['consumer', o.consumer]])}`,
        1,
      );
    const direction = (d: string): [string, string][] => [
      ...sr,
      ['direction', d],
      ...ws,
      ['consumer', o.consumer],
    ];
    if (flags.bandwidth) {
      this.#add(`kong_bandwidth_bytes${labels(direction('egress'))}`, o.egressBytes);
      this.#add(`kong_bandwidth_bytes${labels(direction('ingress'))}`, o.ingressBytes);
    }
    if (!flags.latency) return;
    const kongBuckets = kongVersionAtLeast(version, '3.9.0') ? KONG_BUCKETS_39 : KONG_BUCKETS_30;
    this.#observe('kong_kong_latency_ms', [...sr, ...ws], kongBuckets, o.kongMs);
    this.#observe('kong_request_latency_ms', [...sr, ...ws], UPSTREAM_BUCKETS, o.requestMs);
    if (o.upstreamMs !== undefined)
      this.#observe('kong_upstream_latency_ms', [...sr, ...ws], UPSTREAM_BUCKETS, o.upstreamMs);
  }

  /** Kong 2.8: `kong_http_status`, `kong_latency{type}`, `kong_bandwidth{type}`, no workspace, no consumer. */
  #observe28(o: ProxyObservation): void {
    const sr: [string, string][] = [
      ['service', o.service],
      ['route', o.route],
    ];
    this.#add(`kong_http_status${labels([...sr, ['code', String(o.code)]])}`, 1);
    this.#add(`kong_bandwidth${labels([...sr, ['type', 'egress']])}`, o.egressBytes);
    this.#add(`kong_bandwidth${labels([...sr, ['type', 'ingress']])}`, o.ingressBytes);
    this.#observe('kong_latency', [...sr, ['type', 'kong']], LATENCY_BUCKETS_28, o.kongMs);
    this.#observe('kong_latency', [...sr, ['type', 'request']], LATENCY_BUCKETS_28, o.requestMs);
    if (o.upstreamMs !== undefined)
      this.#observe('kong_latency', [...sr, ['type', 'upstream']], LATENCY_BUCKETS_28, o.upstreamMs);
  }

  render(g: NodeGauges): string {
    const series: [string, string, number][] = []; // [family, sort key, value]; printed key = sort key minus padding
    const push = (family: string, key: string, value: number) => series.push([family, key, value]);
    push('kong_datastore_reachable', 'kong_datastore_reachable', g.datastoreReachable ? 1 : 0);
    if (!kongVersionAtLeast(g.version, '3.0.0')) {
      // 2.8: no node_id anywhere, no kong_node_info, connections under their old name.
      for (const [state, value] of Object.entries({ ...g.connections, total: g.totalRequests })) {
        const key = `kong_nginx_http_current_connections${labels([['state', state]])}`;
        push('kong_nginx_http_current_connections', key, value);
      }
      this.#pushShared(push, g);
      return this.#print(series);
    }
    const node: [string, string] = ['node_id', g.nodeId];
    for (const [state, value] of Object.entries({ ...g.connections, total: g.totalRequests })) {
      push(
        'kong_nginx_connections_total',
        `kong_nginx_connections_total${labels([node, ['subsystem', 'http'], ['state', state]])}`,
        value,
      );
    }
    push(
      'kong_nginx_requests_total',
      `kong_nginx_requests_total${labels([node, ['subsystem', 'http']])}`,
      g.totalRequests,
    );
    push('kong_nginx_timers', `kong_nginx_timers${labels([['state', 'pending']])}`, 6);
    push('kong_nginx_timers', `kong_nginx_timers${labels([['state', 'running']])}`, 0);
    push('kong_node_info', `kong_node_info${labels([node, ['version', g.version]])}`, 1);
    push(
      'kong_memory_workers_lua_vms_bytes',
      `kong_memory_workers_lua_vms_bytes${labels([node, ['pid', String(g.pid)], ['kong_subsystem', 'http']])}`,
      g.memoryBytes,
    );
    this.#pushShared(push, g);
    return this.#print(series);
  }

  /** The shared-dict series (counters and histograms), present only with a prometheus plugin. */
  #pushShared(push: (family: string, key: string, value: number) => void, g: NodeGauges): void {
    if (!g.prometheusEnabled) return;
    push('kong_nginx_metric_errors_total', 'kong_nginx_metric_errors_total', 0);
    for (const [key, value] of this.#counters) push(key.slice(0, key.indexOf('{')), key, value);
    for (const e of this.#histograms.values())
      this.#pushHistogram(push, e.family, e.labelPairs, e.buckets, e.h);
  }

  #print(series: [string, string, number][]): string {
    series.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const out: string[] = [];
    let last = '';
    for (const [family, key, value] of series) {
      if (family !== last) {
        const [help, type] = HELP[family] ?? ['', 'gauge'];
        out.push(`# HELP ${family} ${help}`, `# TYPE ${family} ${type}`);
        last = family;
      }
      const printed = key.replace(/le="0*(\d[^"]*?)(?:\.0)?"/, 'le="$1"').replace('le="Inf"', 'le="+Inf"');
      out.push(`${printed} ${value}`);
    }
    return `${out.join('\n')}\n`;
  }

  #add(key: string, by: number): void {
    this.#counters.set(key, (this.#counters.get(key) ?? 0) + by);
  }

  #observe(family: string, labelPairs: [string, string][], buckets: number[], value: number): void {
    const id = `${family}${labels(labelPairs)}`;
    let entry = this.#histograms.get(id);
    if (!entry) {
      entry = {
        family,
        labelPairs,
        buckets,
        h: { counts: new Array<number>(buckets.length + 1).fill(0), sum: 0, count: 0 },
      };
      this.#histograms.set(id, entry);
    }
    const index = buckets.findIndex((b) => value <= b);
    const slot = index === -1 ? buckets.length : index;
    entry.h.counts[slot] = (entry.h.counts[slot] ?? 0) + 1;
    entry.h.sum += value;
    entry.h.count += 1;
  }

  #pushHistogram(
    push: (family: string, key: string, value: number) => void,
    family: string,
    labelPairs: [string, string][],
    buckets: number[],
    h: Histogram,
  ): void {
    const first = h.counts.findIndex((c) => c > 0);
    let cumulative = 0;
    for (let i = 0; i < buckets.length; i++) {
      cumulative += h.counts[i] ?? 0;
      // nginx-lua-prometheus creates a bucket only when an observation falls at or below it.
      if (i < first) continue;
      const le = String(buckets[i]).padStart(5, '0');
      push(family, `${family}_bucket${labels([...labelPairs, ['le', `${le}.0`]])}`, cumulative);
    }
    // Stored as "Inf" so it sorts after the zero-padded bounds, printed as "+Inf".
    push(family, `${family}_bucket${labels([...labelPairs, ['le', 'Inf']])}`, h.count);
    push(family, `${family}_count${labels(labelPairs)}`, h.count);
    push(family, `${family}_sum${labels(labelPairs)}`, h.sum);
  }
}
