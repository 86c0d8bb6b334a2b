import { readFile } from 'node:fs/promises';
import { Agent } from 'undici';
import { z } from 'zod';
import { excerpt } from '../clip-text.js';
import type { Weights } from '../domain/weights.js';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { parseJsonAs } from '../parse-json-as.js';
import { assertWeights } from './assert-weights.js';
import {
  buildHttpRouteWeightPatch,
  type HttpRoute,
  httpRouteSchema,
  readHttpRouteWeights,
} from './http-route-weights.js';
import { type RouterResponse, routerRequest } from './router-request.js';
import { DEFAULT_ROUTER_TIMEOUT_MS, type RouterRuntimeOptions } from './router-runtime-options.js';
import type { TrafficRouter } from './traffic-router.js';

export interface KubernetesGatewayRouterOptions {
  apiUrl: string;
  /** Service account token; re-read on every call because projected tokens rotate. */
  tokenFile: string;
  caFile?: string;
  namespace: string;
  httpRoute: string;
  ruleIndex?: number;
  /** `backendRefs[].name` of the Services in front of X and Y. */
  xBackend: string;
  yBackend: string;
}

/**
 * Splits traffic with the weights of one HTTPRoute rule's backendRefs.
 * apply = GET, change the two weights, PATCH as a JSON merge patch that carries the whole `rules`
 * array (a merge patch replaces arrays) plus `metadata.resourceVersion`, so a concurrent edit makes
 * the API server answer 409 instead of being overwritten; on 409 we re-read and try again (bounded).
 * A JSON Patch with a `test` op would also work, but its failure status is less uniform across
 * API servers, and `replace` fails when a backendRef has no weight yet.
 */
export function createKubernetesGatewayRouter(
  options: KubernetesGatewayRouterOptions,
  runtime: RouterRuntimeOptions = {},
): TrafficRouter {
  const ruleIndex = options.ruleIndex ?? 0;
  const base = options.apiUrl.replace(/\/+$/, '');
  const routeName = `${options.namespace}/${options.httpRoute}`;
  const url =
    `${base}/apis/gateway.networking.k8s.io/v1/namespaces/${encodeURIComponent(options.namespace)}` +
    `/httproutes/${encodeURIComponent(options.httpRoute)}`;
  const attempts = Math.max(1, runtime.attempts ?? 3);
  const selector = { routeName, ruleIndex, xBackend: options.xBackend, yBackend: options.yBackend };
  let agent: Agent | undefined;

  async function dispatcher(): Promise<Agent | undefined> {
    if (!options.caFile || agent) return agent;
    const ca = await readFile(options.caFile, 'utf8').catch((err: unknown) => {
      throw new AppError(
        'E_CONFIG_INVALID',
        `Could not read the Kubernetes CA file ${options.caFile} (${(err as Error).message}). ` +
          'Mount the cluster CA or fix traffic.kubernetes-gateway.caFile.',
        { cause: err },
      );
    });
    agent = new Agent({ connect: { ca } });
    return agent;
  }

  async function headers(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const token = await readFile(options.tokenFile, 'utf8').catch((err: unknown) => {
      throw new AppError(
        'E_CONFIG_INVALID',
        `Could not read the Kubernetes token file ${options.tokenFile} (${(err as Error).message}). ` +
          'Mount the service account token or fix traffic.kubernetes-gateway.tokenFile.',
        { cause: err },
      );
    });
    return { accept: 'application/json', authorization: `Bearer ${token.trim()}`, ...extra };
  }

  function call(
    method: 'GET' | 'PATCH',
    body: string | undefined,
    signal?: AbortSignal,
  ): Promise<RouterResponse> {
    return Promise.all([
      headers(method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : {}),
      dispatcher(),
    ]).then(([h, d]) =>
      routerRequest({
        method,
        url,
        headers: h,
        body,
        dispatcher: d,
        signal,
        timeoutMs: runtime.timeoutMs ?? DEFAULT_ROUTER_TIMEOUT_MS,
        // The PATCH carries resourceVersion, so a blind repeat cannot clobber anything; but its
        // retries are handled below together with 409, after a fresh GET.
        idempotent: method === 'GET',
        attempts,
        backoffMs: runtime.backoffMs,
        log: runtime.log,
        target: 'the Kubernetes API',
      }),
    );
  }

  function statusMessage(res: RouterResponse): string {
    // A Kubernetes Status object says what went wrong; anything else is shown as an excerpt.
    return parseJsonAs(z.object({ message: z.string() }), res.text)?.message ?? excerpt(res.text);
  }

  function advice(status: number): string {
    if (status === 401) return 'The token was refused: check tokenFile and that the token is current.';
    if (status === 403)
      return `Grant the service account get and patch on httproutes in namespace ${options.namespace}.`;
    if (status === 404)
      return `Check that HTTPRoute ${routeName} exists (namespace and httpRoute in the config).`;
    return 'Check the Kubernetes API server, then retry.';
  }

  async function getRoute(signal?: AbortSignal): Promise<HttpRoute> {
    const res = await call('GET', undefined, signal);
    if (res.status !== 200) {
      throw new AppError(
        'E_ROUTER_READBACK',
        `The Kubernetes API answered GET HTTPRoute ${routeName} with HTTP ${res.status} (${statusMessage(res)}). ${advice(res.status)}`,
        { retryable: res.status >= 500, details: { status: res.status } },
      );
    }
    const parsed = parseJsonAs(httpRouteSchema, res.text);
    if (parsed === undefined) {
      throw new AppError(
        'E_ROUTER_READBACK',
        `The Kubernetes API returned something that is not an HTTPRoute for ${routeName} (${excerpt(res.text, 120)}). ` +
          'Check that apiUrl points at the Kubernetes API server.',
      );
    }
    return parsed;
  }

  async function patchOnce(weights: Weights, signal?: AbortSignal): Promise<RouterResponse> {
    const route = await getRoute(signal);
    return call('PATCH', JSON.stringify(buildHttpRouteWeightPatch(route, selector, weights)), signal);
  }

  return {
    kind: 'kubernetes-gateway',
    async read(signal) {
      return readHttpRouteWeights(await getRoute(signal), selector);
    },
    async apply(weights, signal) {
      assertWeights(weights);
      let last: RouterResponse | undefined;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          last = await patchOnce(weights, signal);
        } catch (err) {
          // A lost PATCH answer is safe to redo: the next GET shows whether it landed.
          if (
            err instanceof AppError &&
            err.code === 'E_ROUTER_UNREACHABLE' &&
            attempt < attempts &&
            !signal?.aborted
          ) {
            continue;
          }
          throw err;
        }
        if (last.status === 200) return;
        if (last.status !== 409 && last.status < 500) break;
        runtime.log?.warn(
          { status: last.status, attempt, route: routeName },
          'HTTPRoute patch not accepted, re-reading',
        );
      }
      const status = last?.status ?? 0;
      throw new AppError(
        'E_ROUTER_APPLY',
        `The Kubernetes API refused the new weights (x=${weights.x}, y=${weights.y}) for HTTPRoute ${routeName} ` +
          `with HTTP ${status} (${last ? statusMessage(last) : 'no answer'}). ` +
          (status === 409
            ? 'Something else keeps changing this HTTPRoute; stop the other writer and retry.'
            : advice(status)),
        { retryable: status === 409 || status >= 500, details: { status } },
      );
    },
    describe(weights) {
      return (
        `kubernetes-gateway: PATCH ${maskUrl(base)} HTTPRoute ${routeName} rule ${ruleIndex} ` +
        `backendRefs ${options.xBackend}=${weights.x}, ${options.yBackend}=${weights.y}`
      );
    },
  };
}
