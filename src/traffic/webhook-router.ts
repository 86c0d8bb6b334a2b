import { excerpt } from '../clip-text.js';
import type { Weights } from '../domain/weights.js';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { parseJsonAs } from '../parse-json-as.js';
import { assertWeights } from './assert-weights.js';
import { routerRequest } from './router-request.js';
import { DEFAULT_ROUTER_TIMEOUT_MS, type RouterRuntimeOptions } from './router-runtime-options.js';
import { routerWeightsSchema } from './router-weights-schema.js';
import type { TrafficRouter } from './traffic-router.js';
import { webhookSignatureHeaders } from './webhook-signature.js';

export { signWebhookBody, verifyWebhookSignature } from './webhook-signature.js';

export interface WebhookRouterOptions {
  url: string;
  secret: string;
  /** Body-only signature without a timestamp, for receivers that do not check it yet. */
  legacySignature?: boolean | undefined;
}

/**
 * Hands the weights to an external load balancer: POST {"x":90,"y":10} signed with HMAC-SHA256;
 * GET answers the same shape. Posting the same absolute weights twice is harmless, so both retry.
 */
export function createWebhookRouter(
  options: WebhookRouterOptions,
  runtime: RouterRuntimeOptions = {},
): TrafficRouter {
  const common = {
    url: options.url,
    timeoutMs: runtime.timeoutMs ?? DEFAULT_ROUTER_TIMEOUT_MS,
    idempotent: true,
    attempts: runtime.attempts,
    backoffMs: runtime.backoffMs,
    log: runtime.log,
    target: 'the webhook traffic router',
  };
  return {
    kind: 'webhook',
    async read(signal) {
      const res = await routerRequest({
        ...common,
        method: 'GET',
        headers: { accept: 'application/json' },
        signal,
      });
      if (res.status < 200 || res.status >= 300) {
        throw new AppError(
          'E_ROUTER_READBACK',
          `The webhook router answered GET ${maskUrl(options.url)} with HTTP ${res.status} ` +
            `(${excerpt(res.text)}). Check the load balancer's logs; the weights could not be confirmed.`,
          { retryable: res.status >= 500, details: { status: res.status } },
        );
      }
      const parsed = parseJsonAs(routerWeightsSchema, res.text);
      if (parsed === undefined) {
        throw new AppError(
          'E_ROUTER_READBACK',
          `The webhook router's GET ${maskUrl(options.url)} did not return weights like {"x":90,"y":10} ` +
            `(got: ${excerpt(res.text, 120)}). Fix the load balancer's endpoint so it reports the current split.`,
          { details: { status: res.status } },
        );
      }
      return { x: parsed.x, y: parsed.y };
    },
    async apply(weights: Weights, signal) {
      assertWeights(weights);
      const body = JSON.stringify({ x: weights.x, y: weights.y });
      const res = await routerRequest({
        ...common,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          // Signed per attempt: a retry carries a fresh timestamp.
          ...webhookSignatureHeaders(body, options.secret, { legacy: options.legacySignature === true }),
        },
        body,
        signal,
      });
      if (res.status < 200 || res.status >= 300) {
        throw new AppError(
          'E_ROUTER_APPLY',
          `The webhook router refused the weights x=${weights.x} % / y=${weights.y} % with HTTP ${res.status} ` +
            `(${excerpt(res.text)}). ` +
            (res.status === 401 || res.status === 403
              ? 'Check that the bot and the load balancer share the same webhook secret.'
              : 'Traffic did not move; check the load balancer, then retry the step.'),
          { retryable: res.status >= 500, details: { status: res.status } },
        );
      }
    },
    describe(weights) {
      return `webhook: POST ${maskUrl(options.url)} {"x":${weights.x},"y":${weights.y}} (signed), then GET to confirm`;
    },
  };
}
