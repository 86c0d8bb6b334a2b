import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedKubeRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeKubernetesApi {
  url: string;
  /** The stored HTTPRoute, as the API server would return it. */
  route: Record<string, unknown>;
  requests: RecordedKubeRequest[];
  /** Accepted bearer token; change it to simulate rotation. */
  token: string;
  /** Before each of the next `times` PATCHes, another writer bumps resourceVersion (→ 409). */
  concurrentWriterNext(times: number): void;
  /** The next `times` requests (of `method`, when given) get this status with a Kubernetes Status body. */
  failNext(status: number, reason: string, message: string, times?: number, method?: string): void;
  close(): Promise<void>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** RFC 7386 JSON merge patch, as the API server applies `application/merge-patch+json`. */
function mergePatch(target: Json, patch: Json): Json {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: { [k: string]: Json } =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    }),
  );
}

/** A realistic Gateway API v1 HTTPRoute with X and Y Services as weighted backends of rule 0. */
export function sampleHttpRoute(namespace: string, name: string): Record<string, unknown> {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      name,
      namespace,
      uid: '5b1f5a8e-3f0e-4a55-9a3c-1c2d3e4f5a6b',
      resourceVersion: '1000',
      generation: 1,
      creationTimestamp: '2025-01-01T00:00:00Z',
    },
    spec: {
      parentRefs: [
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways' },
      ],
      hostnames: ['api.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [
            { group: '', kind: 'Service', name: 'kong-x-proxy', port: 8000, weight: 100 },
            { group: '', kind: 'Service', name: 'kong-y-proxy', port: 8000, weight: 0 },
          ],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/internal' } }],
          backendRefs: [{ group: '', kind: 'Service', name: 'internal', port: 80 }],
        },
      ],
    },
    status: { parents: [] },
  };
}

/** Just enough of the Kubernetes API for HTTPRoute GET and merge-patch PATCH, over http or https. */
export async function startFakeKubernetesApi(options: {
  namespace: string;
  name: string;
  token: string;
  route?: Record<string, unknown>;
  tls?: { key: string; cert: string };
}): Promise<FakeKubernetesApi> {
  const routePath = `/apis/gateway.networking.k8s.io/v1/namespaces/${options.namespace}/httproutes/${options.name}`;
  let conflicts = 0;
  let failure:
    | { status: number; reason: string; message: string; times: number; method?: string }
    | undefined;
  const fake = {
    route: options.route ?? sampleHttpRoute(options.namespace, options.name),
    requests: [] as RecordedKubeRequest[],
    token: options.token,
    concurrentWriterNext(times: number) {
      conflicts = times;
    },
    failNext(code: number, reason: string, message: string, times = 1, method?: string) {
      failure = { status: code, reason, message, times, method };
    },
  };
  const bump = (): void => {
    const meta = fake.route.metadata as { resourceVersion: string; generation: number };
    meta.resourceVersion = String(Number(meta.resourceVersion) + 1);
    meta.generation += 1;
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      fake.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (failure && failure.times > 0 && (failure.method === undefined || failure.method === req.method)) {
        failure.times--;
        status(res, failure.status, failure.reason, failure.message);
        return;
      }
      if (req.headers.authorization !== `Bearer ${fake.token}`) {
        status(res, 401, 'Unauthorized', 'Unauthorized');
        return;
      }
      if (req.url !== routePath) {
        status(res, 404, 'NotFound', `httproutes.gateway.networking.k8s.io "${req.url}" not found`);
        return;
      }
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fake.route));
        return;
      }
      if (req.method !== 'PATCH') {
        status(
          res,
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
        return;
      }
      if (req.headers['content-type'] !== 'application/merge-patch+json') {
        status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format`);
        return;
      }
      if (conflicts > 0) {
        conflicts--;
        bump();
      }
      let patch: Json;
      try {
        patch = JSON.parse(body) as Json;
      } catch {
        status(res, 400, 'BadRequest', 'error decoding patch');
        return;
      }
      const wanted = (patch as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
      const current = (fake.route.metadata as { resourceVersion: string }).resourceVersion;
      if (wanted !== undefined && wanted !== current) {
        status(
          res,
          409,
          'Conflict',
          `Operation cannot be fulfilled on httproutes.gateway.networking.k8s.io "${options.name}": ` +
            'the object has been modified; please apply your changes to the latest version and try again',
        );
        return;
      }
      fake.route = mergePatch(fake.route as Json, patch) as Record<string, unknown>;
      bump();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fake.route));
    });
  };
  const server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
