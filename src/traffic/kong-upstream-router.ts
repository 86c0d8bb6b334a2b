import { z } from 'zod';
import { excerpt } from '../clip-text.js';
import type { Weights } from '../domain/weights.js';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { parseJsonAs } from '../parse-json-as.js';
import { assertWeights } from './assert-weights.js';
import { routerRequest } from './router-request.js';
import { DEFAULT_ROUTER_TIMEOUT_MS, type RouterRuntimeOptions } from './router-runtime-options.js';
import type { TrafficRouter } from './traffic-router.js';

export interface KongUpstreamRouterOptions {
  adminUrl: string;
  adminToken?: string;
  upstream: string;
  /** Targets as Kong stores them, `host:port`, e.g. `kong-x:8000`. */
  xTarget: string;
  yTarget: string;
}

/** Percent → Kong target weight (0–65535); ×10 keeps 1 % steps exact, and weight 0 disables a target. */
export const KONG_WEIGHT_PER_PERCENT = 10;

const targetListSchema = z.object({
  data: z.array(z.object({ target: z.string(), weight: z.number().int().min(0).max(65_535) })),
  next: z.string().nullable().optional(),
});

// Kong decodes path parameters, but keep ':' literal as in its own docs (`/targets/10.0.0.5:8080`).
function pathPart(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}

/**
 * Only the path and query of a `next` link (Kong sends `/upstreams/…?offset=…`; its docs show an
 * absolute URL): an absolute link, or `@host/…` appended to the base, must never send the admin token to
 * another host.
 */
function pathAndQuery(next: string): string {
  const u = new URL(next, 'http://kong.invalid');
  return `${u.pathname}${u.search}`;
}

/** A front Kong whose upstream has one target per cluster; traffic follows the target weights. */
export function createKongUpstreamRouter(
  options: KongUpstreamRouterOptions,
  runtime: RouterRuntimeOptions = {},
): TrafficRouter {
  const base = options.adminUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.adminToken) headers['kong-admin-token'] = options.adminToken;
  const common = {
    timeoutMs: runtime.timeoutMs ?? DEFAULT_ROUTER_TIMEOUT_MS,
    idempotent: true,
    attempts: runtime.attempts,
    backoffMs: runtime.backoffMs,
    log: runtime.log,
    target: 'the front Kong Admin API',
  };
  const upstreamPath = `/upstreams/${pathPart(options.upstream)}`;

  async function listTargets(signal?: AbortSignal): Promise<Map<string, number>> {
    const weights = new Map<string, number>();
    let next: string | null | undefined = `${upstreamPath}/targets?size=1000`;
    // Bounded: an upstream with two targets fits one page; a runaway `next` chain must not loop forever.
    for (let page = 0; next && page < 20; page++) {
      const url = `${base}${pathAndQuery(next)}`;
      const res = await routerRequest({ ...common, method: 'GET', url, headers, signal });
      if (res.status !== 200) {
        throw new AppError(
          'E_ROUTER_READBACK',
          `The front Kong answered GET ${maskUrl(url)} with HTTP ${res.status} (${excerpt(res.text)}). ` +
            (res.status === 404
              ? `Check that upstream "${options.upstream}" exists on ${maskUrl(base)}.`
              : res.status === 401 || res.status === 403
                ? 'Check the admin token configured for the kong-upstream router.'
                : 'Check the front Kong, then retry.'),
          { retryable: res.status >= 500, details: { status: res.status } },
        );
      }
      const parsed = parseJsonAs(targetListSchema, res.text);
      if (parsed === undefined) {
        throw new AppError(
          'E_ROUTER_READBACK',
          `The front Kong's target list for upstream "${options.upstream}" is not in Kong's format ` +
            `(${excerpt(res.text, 120)}). Check that adminUrl points at a Kong Admin API.`,
        );
      }
      for (const t of parsed.data) weights.set(t.target, t.weight);
      next = parsed.next;
    }
    return weights;
  }

  async function setWeight(
    target: string,
    weight: number,
    weights: Weights,
    signal?: AbortSignal,
  ): Promise<void> {
    const url = `${base}${upstreamPath}/targets/${pathPart(target)}`;
    const res = await routerRequest({
      ...common,
      method: 'PATCH',
      url,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ weight }),
      signal,
    });
    if (res.status !== 200 && res.status !== 201) {
      throw new AppError(
        'E_ROUTER_APPLY',
        `The front Kong refused weight ${weight} for target ${target} of upstream "${options.upstream}" ` +
          `(x=${weights.x} %, y=${weights.y} %) with HTTP ${res.status} (${excerpt(res.text)}). ` +
          (res.status === 404
            ? 'Create both targets on the upstream (POST /upstreams/{u}/targets) and retry.'
            : 'Check the front Kong and its admin token, then retry the step.'),
        { retryable: res.status >= 500, details: { status: res.status, target } },
      );
    }
  }

  return {
    kind: 'kong-upstream',
    async read(signal) {
      const targets = await listTargets(signal);
      const wx = targets.get(options.xTarget);
      const wy = targets.get(options.yTarget);
      const missing = [
        wx === undefined ? options.xTarget : undefined,
        wy === undefined ? options.yTarget : undefined,
      ].filter((t): t is string => t !== undefined);
      if (wx === undefined || wy === undefined) {
        throw new AppError(
          'E_ROUTER_READBACK',
          `Upstream "${options.upstream}" on the front Kong has no target ${missing.join(' or ')} ` +
            `(it has: ${[...targets.keys()].join(', ') || 'none'}). Add the target or fix xTarget/yTarget in the config.`,
          { details: { missing } },
        );
      }
      if (wx + wy === 0) {
        throw new AppError(
          'E_ROUTER_READBACK',
          `Both targets of upstream "${options.upstream}" have weight 0, so the front Kong sends traffic nowhere. ` +
            'Set the weights again (e.g. roll back to 100 % X).',
        );
      }
      const y = Math.round((100 * wy) / (wx + wy));
      return { x: 100 - y, y };
    },
    async apply(weights, signal) {
      assertWeights(weights);
      const wx = weights.x * KONG_WEIGHT_PER_PERCENT;
      const wy = weights.y * KONG_WEIGHT_PER_PERCENT;
      // Raise the growing side first so that no moment has both targets at 0 (Kong would answer 503).
      const current = await listTargets(signal).catch(() => undefined);
      const yGrows = (current?.get(options.yTarget) ?? 0) < wy;
      if (yGrows) {
        await setWeight(options.yTarget, wy, weights, signal);
        await setWeight(options.xTarget, wx, weights, signal);
      } else {
        await setWeight(options.xTarget, wx, weights, signal);
        await setWeight(options.yTarget, wy, weights, signal);
      }
    },
    describe(weights) {
      return (
        `kong-upstream: PATCH ${maskUrl(base)}${upstreamPath}/targets/{${options.xTarget},${options.yTarget}} ` +
        `weights ${weights.x * KONG_WEIGHT_PER_PERCENT}/${weights.y * KONG_WEIGHT_PER_PERCENT}`
      );
    },
  };
}
