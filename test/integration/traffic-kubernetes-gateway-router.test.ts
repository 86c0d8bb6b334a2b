import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { applyAndConfirm } from '../../src/traffic/apply-and-confirm.js';
import {
  createKubernetesGatewayRouter,
  type KubernetesGatewayRouterOptions,
} from '../../src/traffic/kubernetes-gateway-router.js';
import {
  type FakeKubernetesApi,
  sampleHttpRoute,
  startFakeKubernetesApi,
} from '../support/fake-kubernetes-api.js';

const NS = 'edge';
const ROUTE = 'kong-proxy';
const PATH = `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/${ROUTE}`;

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

let dir: string;
let tokenFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kub-k8s-'));
  tokenFile = join(dir, 'token');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kubernetes-gateway router against a fake API server', () => {
  let api: FakeKubernetesApi;
  let options: KubernetesGatewayRouterOptions;
  const fast = { timeoutMs: 500, attempts: 3, backoffMs: 5 };
  beforeEach(async () => {
    await writeFile(tokenFile, 'token-one\n');
    api = await startFakeKubernetesApi({ namespace: NS, name: ROUTE, token: 'token-one' });
    options = {
      apiUrl: api.url,
      tokenFile,
      namespace: NS,
      httpRoute: ROUTE,
      xBackend: 'kong-x-proxy',
      yBackend: 'kong-y-proxy',
    };
  });
  afterEach(async () => {
    await api.close();
  });

  it('reads the weights of rule 0', async () => {
    const router = createKubernetesGatewayRouter(options, fast);
    await expect(router.read()).resolves.toEqual({ x: 100, y: 0 });
    const get = api.requests[0];
    expect(get?.method).toBe('GET');
    expect(get?.path).toBe(PATH);
    expect(get?.headers.authorization).toBe('Bearer token-one');
  });

  it('sends exactly one merge patch with resourceVersion and the whole rules array, keeping everything else', async () => {
    const router = createKubernetesGatewayRouter(options, fast);
    await expect(applyAndConfirm(router, { x: 75, y: 25 })).resolves.toEqual({ x: 75, y: 25 });
    const patches = api.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    const patch = patches[0];
    expect(patch?.path).toBe(PATH);
    expect(patch?.headers['content-type']).toBe('application/merge-patch+json');
    expect(patch?.headers.authorization).toBe('Bearer token-one');
    const original = sampleHttpRoute(NS, ROUTE) as { spec: { rules: unknown[] } };
    expect(JSON.parse(patch?.body ?? '')).toEqual({
      metadata: { resourceVersion: '1000' },
      spec: {
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            backendRefs: [
              { group: '', kind: 'Service', name: 'kong-x-proxy', port: 8000, weight: 75 },
              { group: '', kind: 'Service', name: 'kong-y-proxy', port: 8000, weight: 25 },
            ],
          },
          original.spec.rules[1],
        ],
      },
    });
    const stored = api.route as { spec: { hostnames: string[]; parentRefs: unknown[] } };
    expect(stored.spec.hostnames).toEqual(['api.example.com']);
    expect(stored.spec.parentRefs).toHaveLength(1);
  });

  it('re-reads the token file on every call (projected tokens rotate)', async () => {
    const router = createKubernetesGatewayRouter(options, fast);
    await router.read();
    api.token = 'token-two';
    await writeFile(tokenFile, 'token-two');
    await router.apply({ x: 50, y: 50 });
    expect(api.requests.at(-1)?.headers.authorization).toBe('Bearer token-two');
  });

  it('a 409 from a concurrent writer is re-read and retried', async () => {
    api.concurrentWriterNext(1);
    const router = createKubernetesGatewayRouter(options, fast);
    await applyAndConfirm(router, { x: 95, y: 5 });
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'PATCH', 'GET', 'PATCH', 'GET']);
    const second = JSON.parse(api.requests[3]?.body ?? '{}') as { metadata: { resourceVersion: string } };
    expect(second.metadata.resourceVersion).toBe('1001');
  });

  it('persistent conflicts give up after bounded attempts with E_ROUTER_APPLY', async () => {
    api.concurrentWriterNext(10);
    const router = createKubernetesGatewayRouter(options, fast);
    const err = await rejection(router.apply({ x: 95, y: 5 }));
    expect(err.code).toBe('E_ROUTER_APPLY');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('409');
    expect(err.message).toContain('the object has been modified');
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(3);
  });

  it('a 403 on PATCH is E_ROUTER_APPLY, says which permission to grant, and is not retried', async () => {
    api.failNext(403, 'Forbidden', 'httproutes "kong-proxy" is forbidden: cannot patch', 5, 'PATCH');
    const router = createKubernetesGatewayRouter(options, fast);
    const err = await rejection(router.apply({ x: 50, y: 50 }));
    expect(err.code).toBe('E_ROUTER_APPLY');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('403');
    expect(err.message).toContain('cannot patch');
    expect(err.message).toContain('get and patch on httproutes');
    expect(err.message).not.toContain('token-one');
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'PATCH']);
  });

  it('a 500 on PATCH is retried after a fresh GET, then succeeds', async () => {
    api.failNext(500, 'InternalError', 'etcdserver: request timed out', 1, 'PATCH');
    const router = createKubernetesGatewayRouter(options, fast);
    await applyAndConfirm(router, { x: 80, y: 20 });
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'PATCH', 'GET', 'PATCH', 'GET']);
  });

  it('a 403 on GET is E_ROUTER_READBACK with the same advice', async () => {
    api.failNext(403, 'Forbidden', 'httproutes is forbidden', 1, 'GET');
    const router = createKubernetesGatewayRouter(options, fast);
    const err = await rejection(router.read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('get and patch on httproutes');
    expect(api.requests).toHaveLength(1);
  });

  it('a bad token is a clear 401 error', async () => {
    await writeFile(tokenFile, 'stale-token');
    const router = createKubernetesGatewayRouter(options, fast);
    const err = await rejection(router.read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('401');
    expect(err.message).not.toContain('stale-token');
  });

  it('retries a 500 on GET and then succeeds', async () => {
    api.failNext(500, 'InternalError', 'etcd leader changed', 2);
    const router = createKubernetesGatewayRouter(options, fast);
    await expect(router.read()).resolves.toEqual({ x: 100, y: 0 });
    expect(api.requests).toHaveLength(3);
  });

  it('a missing HTTPRoute, backend or rule is E_ROUTER_READBACK naming it', async () => {
    const wrongRoute = createKubernetesGatewayRouter({ ...options, httpRoute: 'nope' }, fast);
    const e1 = await rejection(wrongRoute.read());
    expect(e1.code).toBe('E_ROUTER_READBACK');
    expect(e1.message).toContain('404');
    expect(e1.message).toContain(`${NS}/nope`);

    const wrongBackend = createKubernetesGatewayRouter({ ...options, yBackend: 'kong-z-proxy' }, fast);
    const e2 = await rejection(wrongBackend.apply({ x: 50, y: 50 }));
    expect(e2.code).toBe('E_ROUTER_READBACK');
    expect(e2.message).toContain('kong-z-proxy');
    expect(e2.message).toContain('kong-x-proxy, kong-y-proxy');
    expect(api.requests.some((r) => r.method === 'PATCH')).toBe(false);

    const wrongRule = createKubernetesGatewayRouter({ ...options, ruleIndex: 5 }, fast);
    const e3 = await rejection(wrongRule.read());
    expect(e3.message).toContain('no rule at index 5');
  });

  it('an absent weight counts as 1 (Gateway API default)', async () => {
    const router = createKubernetesGatewayRouter(
      { ...options, ruleIndex: 1, xBackend: 'internal', yBackend: 'internal' },
      fast,
    );
    await expect(router.read()).resolves.toEqual({ x: 50, y: 50 });
  });

  it('something that is not an HTTPRoute is E_ROUTER_READBACK', async () => {
    api.route = { kind: 'Status', items: [] };
    const router = createKubernetesGatewayRouter(options, fast);
    const err = await rejection(router.read());
    expect(err.code).toBe('E_ROUTER_READBACK');
    expect(err.message).toContain('not an HTTPRoute');
  });

  it('a missing token file is a config error', async () => {
    const router = createKubernetesGatewayRouter({ ...options, tokenFile: join(dir, 'missing') }, fast);
    const err = await rejection(router.read());
    expect(err.code).toBe('E_CONFIG_INVALID');
    expect(err.message).toContain('tokenFile');
  });

  it('an unreachable API server is E_ROUTER_UNREACHABLE', async () => {
    const router = createKubernetesGatewayRouter({ ...options, apiUrl: 'http://127.0.0.1:1' }, fast);
    const err = await rejection(router.read());
    expect(err.code).toBe('E_ROUTER_UNREACHABLE');
  });
});

describe('kubernetes-gateway router over TLS with a CA file', () => {
  let api: FakeKubernetesApi;
  let caFile: string;
  beforeAll(async () => {
    const key = join(dir, 'tls.key');
    caFile = join(dir, 'ca.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        caFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    await writeFile(tokenFile, 'tls-token');
    api = await startFakeKubernetesApi({
      namespace: NS,
      name: ROUTE,
      token: 'tls-token',
      tls: { key: await readFile(key, 'utf8'), cert: await readFile(caFile, 'utf8') },
    });
  });
  afterAll(async () => {
    await api.close();
  });
  const base = (): KubernetesGatewayRouterOptions => ({
    apiUrl: api.url,
    tokenFile,
    namespace: NS,
    httpRoute: ROUTE,
    xBackend: 'kong-x-proxy',
    yBackend: 'kong-y-proxy',
  });

  it('trusts the API server through caFile', async () => {
    const router = createKubernetesGatewayRouter({ ...base(), caFile }, { timeoutMs: 2_000 });
    await expect(applyAndConfirm(router, { x: 60, y: 40 })).resolves.toEqual({ x: 60, y: 40 });
  });

  it('without the CA the self-signed server is refused', async () => {
    const router = createKubernetesGatewayRouter(base(), { timeoutMs: 2_000, attempts: 1 });
    const err = await rejection(router.read());
    expect(err.code).toBe('E_ROUTER_UNREACHABLE');
  });

  it('an unreadable CA file is a config error', async () => {
    const router = createKubernetesGatewayRouter(
      { ...base(), caFile: join(dir, 'nope.crt') },
      { timeoutMs: 2_000 },
    );
    const err = await rejection(router.read());
    expect(err.code).toBe('E_CONFIG_INVALID');
    expect(err.message).toContain('caFile');
  });
});
