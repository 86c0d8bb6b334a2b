import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small, scriptable Kong Admin API on 127.0.0.1 for client tests, bad servers included. Each test gives
 * a handler; helpers below build Kong-shaped bodies (kong.md §1–2). Not a Kong simulator: see
 * src/sandbox for that.
 */

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/** `hang`: never answer. `destroy`: drop the connection. `slow-body`: send headers, then stall. */
export type FakeReply =
  | { status?: number; json?: unknown; body?: string; headers?: Record<string, string> }
  | 'hang'
  | 'destroy'
  | 'slow-body';

export type FakeHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface FakeKongAdmin {
  url: string;
  requests: FakeRequest[];
  setHandler(handler: FakeHandler): void;
  close(): Promise<void>;
}

export async function startFakeKongAdmin(handler: FakeHandler): Promise<FakeKongAdmin> {
  let current = handler;
  const requests: FakeRequest[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://fake');
    const fr: FakeRequest = {
      method: req.method ?? 'GET',
      path: u.pathname,
      query: u.searchParams,
      headers: req.headers,
    };
    requests.push(fr);
    Promise.resolve(current(fr))
      .then((reply) => send(res, reply))
      .catch((err: unknown) => send(res, { status: 500, json: { message: String(err) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHandler(h) {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, reply: FakeReply): void {
  if (reply === 'hang') return;
  if (reply === 'destroy') {
    res.socket?.destroy();
    return;
  }
  if (reply === 'slow-body') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"data":[');
    return;
  }
  const body = reply.body ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
  res.writeHead(reply.status ?? 200, {
    'content-type': 'application/json; charset=utf-8',
    server: 'kong/3.9.0',
    ...reply.headers,
  });
  res.end(body);
}

/**
 * One page of `items` as Kong answers it: `size` 1..1000 (default 100, else 400 code 9), an opaque base64
 * offset, `next` relative (Kong's code) or absolute (Kong's docs), and `{data: [], next: null}` at the end.
 */
export function paginate(
  items: readonly unknown[],
  req: FakeRequest,
  options: { style?: 'relative' | 'absolute'; absoluteOrigin?: string; carrySize?: boolean } = {},
): FakeReply {
  const sizeText = req.query.get('size');
  const size = sizeText === null ? 100 : Number(sizeText);
  if (!Number.isInteger(size) || size < 1 || size > 1000) {
    return {
      status: 400,
      json: { code: 9, name: 'invalid size', message: 'size must be an integer between 1 and 1000' },
    };
  }
  const offsetText = req.query.get('offset');
  const start = offsetText === null ? 0 : Number(Buffer.from(offsetText, 'base64').toString('utf8'));
  if (!Number.isInteger(start)) {
    return {
      status: 400,
      json: { code: 7, name: 'invalid offset', message: `'${offsetText}' is not a valid offset` },
    };
  }
  const data = items.slice(start, start + size);
  if (start + size >= items.length) return { json: { data, next: null } };
  const offset = Buffer.from(String(start + size))
    .toString('base64')
    .replace(/=+$/, '');
  const query = `offset=${encodeURIComponent(offset)}${options.carrySize === false ? '' : `&size=${size}`}`;
  const rel = `${req.path}?${query}`;
  const next =
    options.style === 'absolute' ? `${options.absoluteOrigin ?? 'http://localhost:8001'}${rel}` : rel;
  return { json: { data, offset, next } };
}

export function fakeUuid(kind: number, n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${hex}`;
}

export function fakeRoute(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: fakeUuid(2, n),
    created_at: 1700000000,
    updated_at: 1700000000,
    name: `route-${n}`,
    protocols: ['http', 'https'],
    methods: null,
    hosts: null,
    paths: [`/r${n}`],
    headers: null,
    snis: null,
    sources: null,
    destinations: null,
    https_redirect_status_code: 426,
    regex_priority: 0,
    strip_path: true,
    path_handling: 'v0',
    preserve_host: false,
    request_buffering: true,
    response_buffering: true,
    tags: null,
    service: { id: fakeUuid(1, 1) },
    ...overrides,
  };
}

/** `GET /` of a 3.9 OSS node (kong.md §1.1). */
export function root39(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tagline: 'Welcome to kong',
    version: '3.9.0',
    edition: 'community',
    hostname: 'kong-y',
    node_id: '2f1c8e6e-6a52-4e3f-9f0b-7c8a1d2e3f40',
    timers: { running: 0, pending: 6 },
    plugins: {
      available_on_server: {
        'key-auth': { version: '3.9.0', priority: 1250 },
        'rate-limiting': { version: '3.9.0', priority: 910 },
        prometheus: { version: '3.9.0', priority: 13 },
      },
      enabled_in_cluster: ['key-auth', 'prometheus'],
    },
    lua_version: 'LuaJIT 2.1.0-beta3',
    configuration: {
      database: 'postgres',
      role: 'traditional',
      pg_password: '******',
      router_flavor: 'traditional_compatible',
      plugins: ['bundled'],
    },
    pids: { master: 1, workers: [1262, 1263] },
    ...overrides,
  };
}

/** `GET /` of a 2.8 Enterprise node: `available_on_server` is `{name: true}`, no `edition`, Vitals on. */
export function root28(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tagline: 'Welcome to kong',
    version: '2.8.4.1-enterprise-edition',
    hostname: 'kong-x',
    node_id: '7b0e1c52-1d1f-4a51-9d5c-0a4f8e5d6c11',
    timers: { running: 0, pending: 5 },
    plugins: {
      available_on_server: { 'key-auth': true, 'rate-limiting': true, 'rate-limiting-advanced': true },
      enabled_in_cluster: {},
    },
    lua_version: 'LuaJIT 2.1.0-beta3',
    configuration: { database: 'postgres', role: 'traditional', vitals: true, pg_password: '******' },
    pids: { master: 1, workers: [101] },
    ...overrides,
  };
}

/** `GET /status` of a DB-backed node (kong.md §1.2). */
export function status39(reachable = true): Record<string, unknown> {
  return {
    database: { reachable },
    memory: { workers_lua_vms: [{ http_allocated_gc: '41.23 MiB', pid: 1262 }], lua_shared_dicts: {} },
    server: {
      connections_active: 3,
      connections_reading: 0,
      connections_writing: 1,
      connections_waiting: 2,
      connections_accepted: 512,
      connections_handled: 512,
      total_requests: 2048,
    },
  };
}
