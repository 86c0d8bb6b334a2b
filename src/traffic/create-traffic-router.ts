import { AppError } from '../errors.js';
import { createKongUpstreamRouter, type KongUpstreamRouterOptions } from './kong-upstream-router.js';
import {
  createKubernetesGatewayRouter,
  type KubernetesGatewayRouterOptions,
} from './kubernetes-gateway-router.js';
import { createNginxRouter, type NginxRouterOptions } from './nginx-router.js';
import type { RouterRuntimeOptions } from './router-runtime-options.js';
import type { TrafficRouter } from './traffic-router.js';
import { createWebhookRouter, type WebhookRouterOptions } from './webhook-router.js';

export { applyAndConfirm } from './apply-and-confirm.js';

/** The `environments.<env>.traffic` section of the config file (docs/contract.md#config-file). */
export interface TrafficConfig {
  router: TrafficRouter['kind'];
  nginx?: NginxRouterOptions;
  'kubernetes-gateway'?: KubernetesGatewayRouterOptions;
  'kong-upstream'?: KongUpstreamRouterOptions;
  webhook?: WebhookRouterOptions;
}

function missing(kind: string): AppError {
  return new AppError(
    'E_CONFIG_INVALID',
    `traffic.router is "${kind}" but the traffic.${kind} section is missing. Add it to the config file.`,
    { details: { key: `traffic.${kind}` } },
  );
}

/** Builds the router named by `config.router` from its own section. */
export function createTrafficRouter(config: TrafficConfig, opts: RouterRuntimeOptions = {}): TrafficRouter {
  switch (config.router) {
    case 'nginx':
      if (!config.nginx) throw missing('nginx');
      return createNginxRouter(config.nginx, opts);
    case 'kubernetes-gateway': {
      const k = config['kubernetes-gateway'];
      if (!k) throw missing('kubernetes-gateway');
      return createKubernetesGatewayRouter(k, opts);
    }
    case 'kong-upstream': {
      const k = config['kong-upstream'];
      if (!k) throw missing('kong-upstream');
      return createKongUpstreamRouter(k, opts);
    }
    case 'webhook':
      if (!config.webhook) throw missing('webhook');
      return createWebhookRouter(config.webhook, opts);
    default: {
      const unknown: never = config.router;
      throw new AppError(
        'E_CONFIG_INVALID',
        `traffic.router "${String(unknown)}" is not one of nginx, kubernetes-gateway, kong-upstream, webhook.`,
      );
    }
  }
}
