import type { Weights } from '../domain/weights.js';

/**
 * Moves traffic between X and Y. `apply` must only resolve once the router accepted the weights;
 * callers then `read` to confirm before recording anything. Both honour the signal for timeouts.
 */
export interface TrafficRouter {
  readonly kind: 'nginx' | 'kubernetes-gateway' | 'kong-upstream' | 'webhook';
  read(signal?: AbortSignal): Promise<Weights>;
  apply(weights: Weights, signal?: AbortSignal): Promise<void>;
  /** One line for plans and dry runs, e.g. "nginx: rewrite /etc/nginx/conf.d/kong.conf, nginx -t, reload". */
  describe(weights: Weights): string;
}
