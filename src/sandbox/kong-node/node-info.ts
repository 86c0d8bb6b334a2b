import { kongVersionAtLeast } from './kong-version.js';

/** Bundled plugins and their handler priorities (kong.md 1.1), with the version that added them. */
const BUNDLED: [string, number, string][] = [
  ['jwt', 1450, '2.8.0'],
  ['acl', 950, '2.8.0'],
  ['correlation-id', 100001, '2.8.0'],
  ['cors', 2000, '2.8.0'],
  ['oauth2', 1400, '2.8.0'],
  ['tcp-log', 7, '2.8.0'],
  ['udp-log', 8, '2.8.0'],
  ['file-log', 9, '2.8.0'],
  ['http-log', 12, '2.8.0'],
  ['key-auth', 1250, '2.8.0'],
  ['hmac-auth', 1030, '2.8.0'],
  ['basic-auth', 1100, '2.8.0'],
  ['ip-restriction', 990, '2.8.0'],
  ['request-transformer', 801, '2.8.0'],
  ['response-transformer', 800, '2.8.0'],
  ['request-size-limiting', 951, '2.8.0'],
  ['rate-limiting', 910, '2.8.0'],
  ['response-ratelimiting', 900, '2.8.0'],
  ['syslog', 4, '2.8.0'],
  ['loggly', 6, '2.8.0'],
  ['datadog', 10, '2.8.0'],
  ['ldap-auth', 1200, '2.8.0'],
  ['statsd', 11, '2.8.0'],
  ['bot-detection', 2500, '2.8.0'],
  ['aws-lambda', 750, '2.8.0'],
  ['request-termination', 2, '2.8.0'],
  ['prometheus', 13, '2.8.0'],
  ['proxy-cache', 100, '2.8.0'],
  ['session', 1900, '2.8.0'],
  ['acme', 1705, '2.8.0'],
  ['grpc-gateway', 998, '2.8.0'],
  ['grpc-web', 3, '2.8.0'],
  ['pre-function', 1000000, '2.8.0'],
  ['post-function', -1000, '2.8.0'],
  ['azure-functions', 749, '2.8.0'],
  ['zipkin', 100000, '2.8.0'],
  ['opentelemetry', 14, '3.0.0'],
  ['ai-proxy', 770, '3.6.0'],
  ['ai-prompt-decorator', 772, '3.6.0'],
  ['ai-prompt-template', 773, '3.6.0'],
  ['ai-prompt-guard', 771, '3.6.0'],
  ['ai-request-transformer', 777, '3.6.0'],
  ['ai-response-transformer', 768, '3.6.0'],
  ['standard-webhooks', 760, '3.8.0'],
  ['redirect', 779, '3.9.0'],
];

const PRIORITY = new Map(BUNDLED.map(([name, priority]) => [name, priority]));

/** Names of the plugins bundled with `version`. */
export function bundledPlugins(version: string): string[] {
  return BUNDLED.filter(([, , since]) => kongVersionAtLeast(version, since)).map(([name]) => name);
}

export interface RootInfoInput {
  version: string;
  hostname: string;
  nodeId: string;
  availablePlugins: string[];
  enabledInCluster: string[];
  databaseUrl: string;
  pid: number;
  /** Per-plugin versions in `available_on_server` (3.x); default: the node's version. */
  pluginVersions?: Record<string, string>;
  /** `configuration.plugins` (default ["bundled"]). */
  pluginsSetting?: string[];
  /** `traditional` (default) or `control_plane` (hybrid mode). */
  role?: string;
}

/** Body of `GET /`: the 3.x shape from 3.0, the 2.8 shape (plugin map of `true`) before. */
export function rootInfo(i: RootInfoInput): Record<string, unknown> {
  const is3x = kongVersionAtLeast(i.version, '3.0.0');
  const pluginVersion = /^\d+\.\d+\.\d+/.exec(i.version)?.[0] ?? i.version;
  const available = Object.fromEntries(
    i.availablePlugins.map((name) => [
      name,
      is3x
        ? { version: i.pluginVersions?.[name] ?? pluginVersion, priority: PRIORITY.get(name) ?? 1000 }
        : true,
    ]),
  );
  const db = new URL(i.databaseUrl);
  const configuration: Record<string, unknown> = {
    database: 'postgres',
    role: i.role ?? 'traditional',
    pg_host: db.hostname,
    pg_port: Number(db.port || 5432),
    pg_user: decodeURIComponent(db.username) || 'kong',
    pg_database: db.pathname.replace(/^\//, '') || 'kong',
    pg_timeout: 5000,
    pg_ssl: false,
    log_level: 'notice',
    plugins: i.pluginsSetting ?? ['bundled'],
    loaded_plugins: Object.fromEntries(i.availablePlugins.map((n) => [n, true])),
    node_id: i.nodeId,
    admin_listen: ['127.0.0.1:8001 reuseport backlog=16384'],
    proxy_listen: ['0.0.0.0:8000 reuseport backlog=16384'],
    status_listen: kongVersionAtLeast(i.version, '3.6.0')
      ? ['127.0.0.1:8007 reuseport backlog=16384']
      : ['off'],
    db_update_frequency: 5,
    db_cache_ttl: 0,
    anonymous_reports: true,
  };
  // Kong replaces sensitive settings with "******" (remove_sensitive()).
  if (db.password) configuration.pg_password = '******';
  if (is3x) configuration.router_flavor = 'traditional_compatible';
  const body: Record<string, unknown> = {
    tagline: 'Welcome to kong',
    version: i.version,
  };
  if (kongVersionAtLeast(i.version, '3.6.0'))
    body.edition = /enterprise/.test(i.version) ? 'enterprise' : 'community';
  Object.assign(body, {
    hostname: i.hostname,
    node_id: i.nodeId,
    timers: { running: 0, pending: 6 },
    plugins: { available_on_server: available, enabled_in_cluster: i.enabledInCluster },
    lua_version: 'LuaJIT 2.1.0-beta3',
    configuration,
    pids: { master: i.pid, workers: [i.pid] },
  });
  return body;
}

export interface ServerStats {
  connections_active: number;
  connections_reading: number;
  connections_writing: number;
  connections_waiting: number;
  connections_accepted: number;
  connections_handled: number;
  total_requests: number;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

/** Body of `GET /status` for a DB-backed traditional node. */
export function statusInfo(reachable: boolean, server: ServerStats, pid: number): Record<string, unknown> {
  const heap = process.memoryUsage().heapUsed;
  return {
    database: { reachable },
    memory: {
      workers_lua_vms: [{ http_allocated_gc: mib(heap), pid }],
      lua_shared_dicts: {
        kong: { allocated_slabs: '0.04 MiB', capacity: '5.00 MiB' },
        kong_db_cache: { allocated_slabs: '0.80 MiB', capacity: '128.00 MiB' },
      },
    },
    server,
  };
}
