/**
 * Plugin `config` objects as Kong stores them (defaults filled in), per schema generation:
 * `is3x` = the database has core migration 016 (Kong 3.0+), `redisRecord` = rate-limiting 006 (3.6+).
 */
export type RateLimitingPolicy = 'local' | 'cluster' | 'redis';

export function keyAuthConfig(is3x: boolean): Record<string, unknown> {
  const config: Record<string, unknown> = {
    key_names: ['apikey'],
    hide_credentials: false,
    anonymous: null,
    key_in_header: true,
    key_in_query: true,
    key_in_body: false,
    run_on_preflight: true,
  };
  if (is3x) config.realm = null;
  return config;
}

export function rateLimitingConfig(
  policy: RateLimitingPolicy,
  redisRecord: boolean,
): Record<string, unknown> {
  const redisHost = policy === 'redis' ? 'redis.internal' : null;
  const base: Record<string, unknown> = {
    second: null,
    minute: 600,
    hour: 20000,
    day: null,
    month: null,
    year: null,
    limit_by: 'consumer',
    header_name: null,
    path: null,
    policy,
    fault_tolerant: true,
    hide_client_headers: false,
  };
  if (redisRecord) {
    return {
      ...base,
      error_code: 429,
      error_message: 'API rate limit exceeded',
      sync_rate: -1,
      redis: {
        host: redisHost,
        port: 6379,
        timeout: 2000,
        username: null,
        password: null,
        database: 0,
        ssl: false,
        ssl_verify: false,
        server_name: null,
      },
    };
  }
  return {
    ...base,
    redis_host: redisHost,
    redis_port: 6379,
    redis_password: null,
    redis_username: null,
    redis_ssl: false,
    redis_ssl_verify: false,
    redis_server_name: null,
    redis_timeout: 2000,
    redis_database: 0,
  };
}

export function prometheusConfig(is3x: boolean): Record<string, unknown> {
  if (!is3x) return { per_consumer: false };
  return {
    per_consumer: false,
    status_code_metrics: true,
    latency_metrics: true,
    bandwidth_metrics: true,
    upstream_health_metrics: true,
  };
}

/** Kong's upstream `healthchecks` default (kong.md section 2.3). */
export const DEFAULT_HEALTHCHECKS = {
  active: {
    type: 'http',
    timeout: 1,
    concurrency: 10,
    http_path: '/',
    https_verify_certificate: true,
    https_sni: null,
    headers: null,
    healthy: { interval: 0, http_statuses: [200, 302], successes: 0 },
    unhealthy: {
      interval: 0,
      http_statuses: [429, 404, 500, 501, 502, 503, 504, 505],
      tcp_failures: 0,
      timeouts: 0,
      http_failures: 0,
    },
  },
  passive: {
    type: 'http',
    healthy: {
      http_statuses: [
        200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308,
      ],
      successes: 0,
    },
    unhealthy: { http_statuses: [429, 500, 503], tcp_failures: 0, timeouts: 0, http_failures: 0 },
  },
  threshold: 0,
};
