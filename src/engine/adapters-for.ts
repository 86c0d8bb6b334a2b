import type { Logger } from 'pino';
import type { ClusterConfig, EnvironmentConfig } from '../config/config-schema.js';
import { createKongAdmin } from '../kong/create-kong-admin.js';
import type { KongAdmin } from '../kong/kong-admin.js';
import { createTrafficRouter } from '../traffic/create-traffic-router.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';

/** Adapters are built from the config file only (never from chat input), per environment. */
export function kongAdminFor(
  cluster: Pick<ClusterConfig, 'adminUrl' | 'adminToken'>,
  log: Logger,
): KongAdmin {
  return createKongAdmin({
    adminUrl: cluster.adminUrl,
    ...(cluster.adminToken ? { adminToken: cluster.adminToken } : {}),
    log: log.child({ adapter: 'kong' }),
  });
}

export function routerFor(env: EnvironmentConfig, log: Logger): TrafficRouter {
  return createTrafficRouter(env.traffic, { log: log.child({ adapter: 'router' }) });
}

/** Both clusters' Admin APIs and the traffic router of an environment. */
export function adaptersFor(
  env: EnvironmentConfig,
  log: Logger,
): { x: KongAdmin; y: KongAdmin; router: TrafficRouter } {
  return {
    x: kongAdminFor(env.clusterX, log),
    y: kongAdminFor(env.clusterY, log),
    router: routerFor(env, log),
  };
}
