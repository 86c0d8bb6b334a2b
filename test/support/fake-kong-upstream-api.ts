import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedKongRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface Target {
  id: string;
  created_at: number;
  updated_at: number;
  upstream: { id: string };
  target: string;
  weight: number;
  tags: string[] | null;
}

export interface FakeKongUpstreamApi {
  url: string;
  requests: RecordedKongRequest[];
  /** Current weight per target (`host:port`). */
  weights(): Record<string, number>;
  setWeight(target: string, weight: number): void;
  removeTarget(target: string): void;
  /** The next `times` requests (of `method`, when given) get this status and raw body. */
  failNext(status: number, body: string, times?: number, method?: string): void;
  close(): Promise<void>;
}

/**
 * The slice of Kong's Admin API that the kong-upstream router uses, with Kong 3.x shapes
 * (kong.md 2.1–2.3): paginated target lists, PATCH of a target by `host:port`, Kong-Admin-Token.
 */
export async function startFakeKongUpstreamApi(options: {
  upstream: string;
  targets: Record<string, number>;
  adminToken?: string;
  /** Targets per page, to exercise `next` (Kong's default is 100). */
  pageSize?: number;
}): Promise<FakeKongUpstreamApi> {
  const upstreamId = randomUUID();
  const targets: Target[] = Object.entries(options.targets).map(([target, weight], i) => ({
    id: randomUUID(),
    created_at: 1_700_000_000.123 + i,
    updated_at: 1_700_000_000.123 + i,
    upstream: { id: upstreamId },
    target,
    weight,
    tags: null,
  }));
  const requests: RecordedKongRequest[] = [];
  let failure: { status: number; body: string; times: number; method?: string } | undefined;
  const pageSize = options.pageSize ?? 100;
  const base = `/upstreams/${options.upstream}/targets`;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const json = (status: number, value: unknown): void => {
        res
          .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify(value));
      };
      if (failure && failure.times > 0 && (failure.method === undefined || failure.method === req.method)) {
        failure.times--;
        res.writeHead(failure.status, { 'content-type': 'application/json' }).end(failure.body);
        return;
      }
      if (options.adminToken !== undefined && req.headers['kong-admin-token'] !== options.adminToken) {
        json(401, { message: 'Invalid credentials. Token or User credentials required' });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://kong');
      if (req.method === 'GET' && url.pathname === base) {
        const offset = Number(url.searchParams.get('offset') ?? '0');
        const page = targets.slice(offset, offset + pageSize);
        const more = offset + pageSize < targets.length;
        json(200, {
          data: page,
          ...(more
            ? { offset: String(offset + pageSize), next: `${base}?offset=${offset + pageSize}` }
            : { next: null }),
        });
        return;
      }
      const item = url.pathname.startsWith(`${base}/`)
        ? decodeURIComponent(url.pathname.slice(base.length + 1))
        : '';
      const target = targets.find((t) => t.target === item || t.id === item);
      if (item && (req.method === 'PATCH' || req.method === 'PUT')) {
        if (!target) {
          json(404, { message: 'Not found' });
          return;
        }
        let weight: unknown;
        try {
          weight = (JSON.parse(body) as { weight?: unknown }).weight;
        } catch {
          json(400, { message: 'Cannot parse JSON body' });
          return;
        }
        if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 65_535) {
          json(400, {
            code: 2,
            name: 'schema violation',
            message: 'schema violation (weight: value should be between 0 and 65535)',
            fields: { weight: 'value should be between 0 and 65535' },
          });
          return;
        }
        target.weight = weight;
        target.updated_at = Date.now() / 1000;
        json(200, target);
        return;
      }
      json(404, { message: 'Not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    weights: () => Object.fromEntries(targets.map((t) => [t.target, t.weight])),
    setWeight(target, weight) {
      const t = targets.find((x) => x.target === target);
      if (t) t.weight = weight;
    },
    removeTarget(target) {
      const i = targets.findIndex((x) => x.target === target);
      if (i >= 0) targets.splice(i, 1);
    },
    failNext(status, body, times = 1, method) {
      failure = { status, body, times, method };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
