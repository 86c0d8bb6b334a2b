import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { MetricsRegistry, ProxyObservation } from './metrics-registry.js';
import { matchRoute, type RouteEntry, type RoutingTable } from './routing-table.js';

export interface Faults {
  /** Share of matched requests answered with a 5xx (0..1). */
  errorRatio: number;
  /** Added to every upstream response, in milliseconds. */
  addedLatencyMs: number;
  /** One route (by its metrics label) answering only this status, as a broken router or plugin would. */
  brokenRoute?: { route: string; status: 404 | 500 } | null;
}

export interface ProxyDeps {
  pool: pg.Pool;
  version: () => string;
  faults: () => Faults;
  table: () => Promise<RoutingTable>;
  metrics: MetricsRegistry;
  random: () => number;
}

interface Consumer {
  id: string;
  username: string | null;
}

type AuthResult = { consumer?: Consumer } | { status: 401; message: string };

async function authenticate(
  pool: pg.Pool,
  entry: RouteEntry,
  req: IncomingMessage,
  url: URL,
): Promise<AuthResult> {
  const settings = entry.keyAuth;
  if (!settings) return {};
  let key: string | undefined;
  for (const name of settings.keyNames) {
    const header = settings.inHeader ? req.headers[name.toLowerCase()] : undefined;
    const value =
      (Array.isArray(header) ? header[0] : header) ?? (settings.inQuery ? url.searchParams.get(name) : null);
    if (value) {
      key = value;
      break;
    }
  }
  if (!key) return { status: 401, message: 'No API key found in request' };
  const res = await pool.query<Consumer>(
    `SELECT c.id, c.username FROM keyauth_credentials k JOIN consumers c ON c.id = k.consumer_id
     WHERE k.key = $1 AND (k.ttl IS NULL OR k.ttl > CURRENT_TIMESTAMP) LIMIT 1`,
    [key],
  );
  const consumer = res.rows[0];
  return consumer ? { consumer } : { status: 401, message: 'Invalid authentication credentials' };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): number {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
  return Buffer.byteLength(text) + 200;
}

/**
 * Kong's proxy path: match a route, run key-auth, then answer from a built-in echo upstream, with
 * injected faults (a share of 5xx answers, added latency); records what Kong's prometheus plugin would.
 */
export async function handleProxyRequest(
  deps: ProxyDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = performance.now();
  let ingressBytes = 0;
  for await (const chunk of req) ingressBytes += (chunk as Buffer).length;
  ingressBytes += Object.entries(req.headers).reduce((n, [k, v]) => n + k.length + String(v).length + 4, 0);
  const url = new URL(req.url ?? '/', 'http://proxy.local');
  const version = deps.version();
  const kongHeaders = { Server: `kong/${version}`, Via: `kong/${version}` };
  const table = await deps.table();
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  const match = matchRoute(table, req.method ?? 'GET', host, url.pathname);
  if (!match) {
    // Kong records no series for a request that matched no route.
    send(res, 404, { message: 'no Route matched with those values' }, kongHeaders);
    return;
  }
  const { entry } = match;
  const auth = await authenticate(deps.pool, entry, req, url);
  const consumerLabel = (c?: Consumer) => (table.perConsumer && c?.username ? c.username : '');
  const observe = (o: Omit<ProxyObservation, 'service' | 'route' | 'requestMs'>) => {
    if (!table.prometheusEnabled) return;
    const requestMs = Math.round(performance.now() - started);
    deps.metrics.observe(
      { service: entry.serviceLabel, route: entry.routeLabel, requestMs, ...o },
      version,
      table.prometheusFlags,
    );
  };
  if ('status' in auth) {
    const kongMs = Math.round(performance.now() - started);
    const egressBytes = send(
      res,
      401,
      { message: auth.message },
      { ...kongHeaders, 'WWW-Authenticate': 'Key realm="kong"' },
    );
    observe({ consumer: '', code: 401, source: 'kong', kongMs, ingressBytes, egressBytes });
    return;
  }
  const kongMs = Math.round(performance.now() - started);
  const faults = deps.faults();
  const broken = faults.brokenRoute;
  if (broken && broken.route === entry.routeLabel) {
    const body =
      broken.status === 404 ? { message: 'Not Found' } : { message: 'An unexpected error occurred' };
    const egressBytes = send(res, broken.status, body, kongHeaders);
    observe({
      consumer: consumerLabel(auth.consumer),
      code: broken.status,
      source: 'kong',
      kongMs,
      ingressBytes,
      egressBytes,
    });
    return;
  }
  const upstreamStart = performance.now();
  if (faults.addedLatencyMs > 0) await sleep(faults.addedLatencyMs);
  const failed = deps.random() < faults.errorRatio;
  const upstreamMs = Math.round(performance.now() - upstreamStart);
  const latencyHeaders = {
    'X-Kong-Upstream-Latency': String(upstreamMs),
    'X-Kong-Proxy-Latency': String(kongMs),
    Via: `kong/${version}`,
  };
  const consumer = consumerLabel(auth.consumer);
  if (failed) {
    // Half the failures look like a broken upstream connection (Kong answers 502), half like the upstream's own 503.
    const badGateway = deps.random() < 0.5;
    const code = badGateway ? 502 : 503;
    const body = badGateway
      ? { message: 'An invalid response was received from the upstream server' }
      : { message: 'Service unavailable (simulated upstream failure)' };
    const egressBytes = send(
      res,
      code,
      body,
      badGateway ? { ...kongHeaders, ...latencyHeaders } : latencyHeaders,
    );
    observe({
      consumer,
      code,
      source: badGateway ? 'kong' : 'service',
      kongMs,
      upstreamMs,
      ingressBytes,
      egressBytes,
    });
    return;
  }
  const echo = {
    method: req.method,
    path: match.upstreamPath,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    route: entry.routeLabel,
    service: entry.serviceLabel,
    consumer: auth.consumer ? { id: auth.consumer.id, username: auth.consumer.username } : null,
    kong_version: version,
  };
  const egressBytes = send(res, 200, echo, latencyHeaders);
  observe({ consumer, code: 200, source: 'service', kongMs, upstreamMs, ingressBytes, egressBytes });
}
