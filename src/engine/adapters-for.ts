import type { Logger } from 'pino';
import type { ClusterConfig, EnvironmentConfig } from '../config/config-schema.js';
import { createKongAdmin } from '../kong/create-kong-admin.js';
import type { KongAdmin } from '../kong/kong-admin.js';
import { createKongMetricsSource } from '../metrics/kong-metrics-source.js';
import type { MetricsSource } from '../metrics/metrics-source.js';
import { scrapeCadence } from '../metrics/pending-interval.js';
import { createPrometheusMetricsSource } from '../metrics/prometheus-metrics-source.js';
import { createTrafficRouter } from '../traffic/create-traffic-router.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';

/** Client timings that are not in the config file; tests shorten them, production keeps the defaults. */
export interface AdapterOptions {
  /** Per Kong Admin API request (createKongAdmin's default: 10 s). */
  kongTimeoutMs?: number;
  /** Extra attempts per Kong Admin API GET (createKongAdmin's default: 3). */
  kongRetries?: number;
  /** Attempts per router call that is safe to repeat (the routers' default: 3). */
  routerAttempts?: number;
  /** Per router call or command (the routers' default: 10 s). */
  routerTimeoutMs?: number;
}

/** Adapters are built from the config file only (never from chat input), per environment. */
export function kongAdminFor(
  cluster: Pick<ClusterConfig, 'adminUrl' | 'adminToken'>,
  log: Logger,
  options: AdapterOptions & { label?: 'X' | 'Y' } = {},
): KongAdmin {
  return createKongAdmin({
    adminUrl: cluster.adminUrl,
    ...(cluster.adminToken ? { adminToken: cluster.adminToken } : {}),
    ...(options.label ? { label: options.label } : {}),
    ...(options.kongTimeoutMs !== undefined ? { timeoutMs: options.kongTimeoutMs } : {}),
    ...(options.kongRetries !== undefined ? { retries: options.kongRetries } : {}),
    log: log.child({ adapter: 'kong' }),
  });
}

export function routerFor(env: EnvironmentConfig, log: Logger, options: AdapterOptions = {}): TrafficRouter {
  return createTrafficRouter(env.traffic, {
    log: log.child({ adapter: 'router' }),
    ...(options.routerAttempts !== undefined ? { attempts: options.routerAttempts } : {}),
    ...(options.routerTimeoutMs !== undefined ? { timeoutMs: options.routerTimeoutMs } : {}),
  });
}

/** Both clusters' Admin APIs and the traffic router of an environment. */
export function adaptersFor(
  env: EnvironmentConfig,
  log: Logger,
  options: AdapterOptions = {},
): { x: KongAdmin; y: KongAdmin; router: TrafficRouter } {
  return {
    x: kongAdminFor(env.clusterX, log, { ...options, label: 'X' }),
    y: kongAdminFor(env.clusterY, log, { ...options, label: 'Y' }),
    router: routerFor(env, log, options),
  };
}

/** Where X-vs-Y numbers come from: both clusters' /metrics (kong) or PromQL (prometheus). */
export function metricsSourceFor(env: EnvironmentConfig, log: Logger): MetricsSource {
  const logger = log.child({ adapter: 'metrics' });
  const m = env.metrics;
  if (m.source === 'prometheus' && m.prometheus) {
    // Each scrape of the chain is one Prometheus window: its length is the scrape cadence.
    return createPrometheusMetricsSource({ ...m.prometheus, intervalSeconds: scrapeCadence(m), logger });
  }
  // The token goes only to metrics URLs under the cluster's Admin API (docs/contract.md#clarifications).
  const target = (c: EnvironmentConfig['clusterX']) => ({
    metricsUrls: c.metricsUrls,
    adminUrl: c.adminUrl,
    ...(c.adminToken ? { headers: { 'Kong-Admin-Token': c.adminToken } } : {}),
  });
  // A node that does not answer within half a scrape (at most 10 s) is skipped for that
  // interval, so a slow node never delays the comparison of the others past the next interval.
  const timeoutMs = Math.max(1000, Math.min(10_000, (scrapeCadence(m) * 1000) / 2));
  return createKongMetricsSource({ x: target(env.clusterX), y: target(env.clusterY), timeoutMs, logger });
}
