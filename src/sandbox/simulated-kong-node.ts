import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import pg from 'pg';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { readBody } from '../read-body.js';
import { handleAdminRequest } from './kong-node/admin-routes.js';
import {
  configHashOf,
  type DataPlaneInit,
  type DataPlanePatch,
  DataPlaneRegistry,
} from './kong-node/data-planes.js';
import { type KongReply, parseAdminBody, sendJson } from './kong-node/http-io.js';
import { MetricsRegistry } from './kong-node/metrics-registry.js';
import { bundledPlugins, rootInfo, statusInfo } from './kong-node/node-info.js';
import { type Faults, handleProxyRequest } from './kong-node/proxy-handler.js';
import { loadRoutingTable, type RoutingTable } from './kong-node/routing-table.js';
import { createServerGroup } from './kong-node/server-group.js';

/** Admin API bodies are small JSON or form posts; anything bigger is refused. */
const MAX_ADMIN_BODY_BYTES = 1_000_000;

export interface SimulatedKongNodeOptions {
  databaseUrl: string;
  version: string;
  host?: '127.0.0.1';
  adminPort?: number;
  proxyPort?: number;
  statusPort?: number;
  /** When set, the Admin API answers 401 unless the `Kong-Admin-Token` header carries it. */
  adminToken?: string;
  /** Plugins in `GET /` plugins.available_on_server (default: the bundled ones of `version`). */
  availablePlugins?: string[];
  /** Versions reported for some plugins in `GET /` (e.g. a custom plugin); default: the node's version. */
  pluginVersions?: Record<string, string>;
  /** `GET /` configuration.plugins (default ["bundled"]). */
  pluginsSetting?: string[];
  nodeId?: string;
  /** How long the proxy may use a routing table before reading the database again (default 1000 ms). */
  routingTtlMs?: number;
  /** Random source for fault injection (default Math.random). */
  random?: () => number;
  /** `control_plane`: a hybrid CP that serves `GET /clustering/data-planes` for `dataPlanes`. */
  role?: 'traditional' | 'control_plane';
  dataPlanes?: DataPlaneInit[];
  /** Enterprise: `GET /workspaces` answers and `/<workspace>/…` lists that workspace's entities. */
  workspaces?: boolean;
  log?: Logger;
}

export interface SimulatedKongNode {
  adminUrl: string;
  proxyUrl: string;
  statusUrl: string;
  metricsUrl: string;
  nodeId: string;
  setFaults(f: {
    errorRatio?: number;
    addedLatencyMs?: number;
    brokenRoute?: { route: string; status: 404 | 500 } | null;
  }): void;
  /**
   * How the node's /metrics answers (Status and Admin API alike), while its proxy keeps serving:
   * `refuse` drops the connection, `hang` never answers, `error` answers HTTP 500.
   */
  setMetricsFault(f: MetricsFault): void;
  getFaults(): Faults;
  setVersion(v: string): void;
  /** false: the node behaves as if its database were unreachable (status, readiness, datastore gauge, Admin API 500). */
  setHealthy(b: boolean): void;
  /** Requests received on the proxy port so far. */
  requestCount(): number;
  /** Hybrid CP: adds a data plane (returns its id) or changes one, found by hostname or id. */
  addDataPlane(init: DataPlaneInit): string;
  setDataPlane(key: string, patch: DataPlanePatch): void;
  close(): Promise<void>;
}

export const METRICS_FAULTS = ['none', 'refuse', 'hang', 'error'] as const;
export type MetricsFault = (typeof METRICS_FAULTS)[number];

/** A Kong node stand-in: Admin API, proxy and Status API over real HTTP, backed by a real Kong database. */
export async function startSimulatedKongNode(opts: SimulatedKongNodeOptions): Promise<SimulatedKongNode> {
  const host = opts.host ?? '127.0.0.1';
  const nodeId = opts.nodeId ?? randomUUID();
  const log = opts.log;
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 8, connectionTimeoutMillis: 3000 });
  pool.on('error', (err) => log?.warn({ err: err.message }, 'kong node pool error'));
  // Checked-out clients emit too when the database goes away; their queries fail on their own.
  pool.on('connect', (client) => client.on('error', () => undefined));
  let version = opts.version;
  let healthy = true;
  let faults: Faults = { errorRatio: 0, addedLatencyMs: 0 };
  let proxied = 0;
  let enabledInCluster: string[] = [];
  const metrics = new MetricsRegistry();
  const role = opts.role ?? 'traditional';
  const dataPlanes = new DataPlaneRegistry(
    () => version,
    () => configHashOf(`${nodeId}:${version}`),
  );
  for (const dp of opts.dataPlanes ?? []) dataPlanes.add(dp);
  const group = createServerGroup(host, log);
  const conn = group.stats;

  let cached: { table: RoutingTable; at: number; version: string } | undefined;
  let loading: Promise<RoutingTable> | undefined;
  const routingTable = async (): Promise<RoutingTable> => {
    if (cached && cached.version === version && Date.now() - cached.at < (opts.routingTtlMs ?? 1000))
      return cached.table;
    loading ??= loadRoutingTable(pool, version)
      .then((table) => {
        cached = { table, at: Date.now(), version };
        return table;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  const databaseReachable = async (): Promise<boolean> => {
    if (!healthy) return false;
    try {
      await pool.query({ text: 'SELECT 1', query_timeout: 2000 } as pg.QueryConfig);
      return true;
    } catch {
      return false;
    }
  };
  const refreshEnabledPlugins = async () => {
    const res = await pool.query<{ name: string }>('SELECT DISTINCT name FROM plugins ORDER BY name');
    enabledInCluster = res.rows.map((r) => r.name);
    return enabledInCluster;
  };
  const serverStats = () => ({
    connections_active: conn.active,
    connections_reading: conn.reading,
    connections_writing: conn.writing,
    connections_waiting: Math.max(0, conn.active - conn.writing - conn.reading),
    connections_accepted: conn.accepted,
    connections_handled: conn.handled,
    total_requests: conn.total,
  });
  const renderMetrics = async () => {
    const reachable = await databaseReachable();
    const table = reachable ? await routingTable().catch(() => undefined) : cached?.table;
    const s = serverStats();
    return metrics.render({
      version,
      nodeId,
      datastoreReachable: reachable,
      prometheusEnabled: table?.prometheusEnabled ?? false,
      connections: {
        accepted: s.connections_accepted,
        active: s.connections_active,
        handled: s.connections_handled,
        reading: s.connections_reading,
        writing: s.connections_writing,
        waiting: s.connections_waiting,
      },
      totalRequests: s.total_requests,
      memoryBytes: process.memoryUsage().heapUsed,
      pid: process.pid,
    });
  };
  let metricsFault: MetricsFault = 'none';
  const sendMetrics = async (res: ServerResponse) => {
    if (metricsFault === 'refuse') {
      res.socket?.destroy();
      return;
    }
    if (metricsFault === 'hang') return; // the server group destroys the socket on close
    if (metricsFault === 'error') {
      sendJson(res, { status: 500, body: { message: 'An unexpected error occurred' } }, adminHeaders());
      return;
    }
    const text = await renderMetrics();
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8', Server: `kong/${version}` });
    res.end(text);
  };
  const adminHeaders = () => ({ Server: `kong/${version}`, 'Access-Control-Allow-Origin': '*' });

  const admin = async (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://admin.local');
    const headers = () => ({ ...adminHeaders(), 'X-Kong-Admin-Latency': String(Date.now() - started) });
    if (opts.adminToken !== undefined && req.headers['kong-admin-token'] !== opts.adminToken) {
      sendJson(
        res,
        { status: 401, body: { message: 'Invalid credentials. Token or User credentials required' } },
        headers(),
      );
      return;
    }
    if (url.pathname === '/metrics' && req.method === 'GET') return sendMetrics(res);
    if (url.pathname === '/clustering/data-planes' && req.method === 'GET') {
      sendJson(res, dataPlanes.handle(role, url), headers());
      return;
    }
    const text = (await readBody(req, MAX_ADMIN_BODY_BYTES)).toString('utf8');
    const method = req.method ?? 'GET';
    let reply: KongReply;
    if (!healthy && url.pathname !== '/' && url.pathname !== '/status') {
      reply = { status: 500, body: { message: 'An unexpected error occurred' } };
    } else {
      reply = await handleAdminRequest(
        {
          pool,
          version: () => version,
          root: async () =>
            rootInfo({
              version,
              hostname: hostname(),
              nodeId,
              availablePlugins: opts.availablePlugins ?? bundledPlugins(version),
              enabledInCluster: healthy
                ? await refreshEnabledPlugins().catch(() => enabledInCluster)
                : enabledInCluster,
              databaseUrl: opts.databaseUrl,
              pid: process.pid,
              ...(opts.pluginVersions ? { pluginVersions: opts.pluginVersions } : {}),
              ...(opts.pluginsSetting ? { pluginsSetting: opts.pluginsSetting } : {}),
              role,
            }),
          status: async () => statusInfo(await databaseReachable(), serverStats(), process.pid),
          enabledPlugins: () => opts.availablePlugins ?? bundledPlugins(version),
          onConfigChange: () => {
            cached = undefined;
          },
          enterprise: opts.workspaces === true,
        },
        { method, url, body: parseAdminBody(text, req.headers['content-type']) },
      );
    }
    sendJson(res, reply, headers());
  };

  const status = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://status.local');
    if (url.pathname === '/metrics') return sendMetrics(res);
    if (url.pathname === '/status') {
      sendJson(
        res,
        { status: 200, body: statusInfo(await databaseReachable(), serverStats(), process.pid) },
        adminHeaders(),
      );
      return;
    }
    if (url.pathname === '/status/ready') {
      const ok = await databaseReachable();
      const body = { message: ok ? 'ready' : 'failed to connect to database' };
      sendJson(res, { status: ok ? 200 : 503, body }, adminHeaders());
      return;
    }
    sendJson(res, { status: 404, body: { message: 'Not found' } }, adminHeaders());
  };

  const proxy = async (req: IncomingMessage, res: ServerResponse) => {
    proxied += 1;
    await handleProxyRequest(
      {
        pool,
        version: () => version,
        faults: () => faults,
        table: routingTable,
        metrics,
        random: opts.random ?? Math.random,
      },
      req,
      res,
    );
  };

  const servers = [
    group.add('admin', admin),
    group.add('proxy', proxy),
    group.add('status', status),
  ] as const;
  const close = async () => {
    await group.close();
    await pool.end().catch(() => undefined);
  };
  let ports: number[];
  try {
    ports = [
      await group.listen(servers[0], opts.adminPort ?? 0),
      await group.listen(servers[1], opts.proxyPort ?? 0),
      await group.listen(servers[2], opts.statusPort ?? 0),
    ];
  } catch (cause) {
    await close();
    throw new AppError(
      'E_INVALID_INPUT',
      'The simulated Kong node could not listen; is the port already in use?',
      {
        cause,
      },
    );
  }
  const base = (port: number | undefined) => `http://${host}:${port ?? 0}`;
  log?.info({ version, admin: ports[0], proxy: ports[1], status: ports[2] }, 'simulated kong node started');
  return {
    adminUrl: base(ports[0]),
    proxyUrl: base(ports[1]),
    statusUrl: base(ports[2]),
    metricsUrl: `${base(ports[2])}/metrics`,
    nodeId,
    setFaults(f) {
      const next = { ...faults, ...f };
      const broken = next.brokenRoute;
      if (
        broken &&
        (typeof broken.route !== 'string' || broken.route === '' || ![404, 500].includes(broken.status))
      ) {
        throw new AppError(
          'E_INVALID_INPUT',
          'A broken route needs a route name and a status of 404 or 500.',
        );
      }
      if (!(next.errorRatio >= 0 && next.errorRatio <= 1) || !(next.addedLatencyMs >= 0)) {
        throw new AppError('E_INVALID_INPUT', 'Faults need 0 <= errorRatio <= 1 and addedLatencyMs >= 0.', {
          details: { ...next },
        });
      }
      faults = next;
    },
    getFaults: () => ({ ...faults }),
    setMetricsFault(f) {
      if (!METRICS_FAULTS.includes(f)) {
        throw new AppError('E_INVALID_INPUT', `A metrics fault is one of ${METRICS_FAULTS.join(', ')}.`);
      }
      metricsFault = f;
    },
    setVersion(v) {
      version = v;
    },
    setHealthy(b) {
      healthy = b;
    },
    requestCount: () => proxied,
    addDataPlane: (init) => dataPlanes.add(init),
    setDataPlane: (key, patch) => dataPlanes.update(key, patch),
    close,
  };
}
