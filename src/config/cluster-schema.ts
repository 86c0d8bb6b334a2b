import { z } from 'zod';
import { baseUrlSchema, httpUrlSchema, postgresUrlSchema, secretSchema } from './common-schemas.js';

const clusterShape = {
  adminUrl: baseUrlSchema('http://kong-x-admin:8001'),
  /** Sent as the Kong-Admin-Token header when set. */
  adminToken: secretSchema.optional(),
  proxyUrl: baseUrlSchema('http://kong-x:8000'),
  /** One node's metrics (kept for single-node configs). Default: adminUrl + /metrics. */
  metricsUrl: httpUrlSchema('http://kong-x-status:8100/metrics').optional(),
  /** Every node (traditional) or data plane (hybrid) that serves traffic; each is scraped every interval. */
  metricsUrls: z
    .array(httpUrlSchema('http://kong-x-1:8100/metrics'))
    .min(1, 'must list at least one URL, e.g. [http://kong-x-1:8100/metrics]')
    .max(500, 'lists more than 500 nodes; scrape them through Prometheus (metrics.source: prometheus)')
    .refine((urls) => new Set(urls).size === urls.length, 'lists the same URL twice')
    .optional(),
  databaseUrl: postgresUrlSchema,
  /** Hybrid mode: data planes that must be connected and in sync; default the number of metrics URLs (or 1). */
  minDataPlanes: z.number().int().min(1).max(10_000).optional(),
};

// Kong versions have 3 or 4 parts (3.9.1, 3.4.3.12 for Enterprise), optionally with a suffix.
const KONG_VERSION = /^\d+\.\d+(\.\d+){0,2}([-+][0-9A-Za-z.-]+)?$/;

export const kongVersionSchema = z
  .string({
    // YAML reads an unquoted 3.10 as the number 3.1, so insist on quotes rather than guess.
    error: (issue) =>
      typeof issue.input === 'number'
        ? 'must be written in quotes, e.g. "3.10": YAML reads an unquoted 3.10 as the number 3.1'
        : undefined,
  })
  .regex(KONG_VERSION, 'must be a Kong version such as 3.9.1 or 3.4.3.12');

/** `metricsUrls` wins; `metricsUrl` (one node) is its one-element form; neither: the Admin API's /metrics. */
function withMetricsDefault<
  T extends { adminUrl: string; metricsUrl?: string | undefined; metricsUrls?: string[] | undefined },
>(cluster: T): T & { metricsUrl: string; metricsUrls: string[] } {
  const metricsUrls = cluster.metricsUrls ?? [cluster.metricsUrl ?? `${cluster.adminUrl}/metrics`];
  return { ...cluster, metricsUrl: metricsUrls[0] ?? `${cluster.adminUrl}/metrics`, metricsUrls };
}

function notBothMetricsKeys(
  cluster: { metricsUrl?: string | undefined; metricsUrls?: string[] | undefined },
  ctx: z.RefinementCtx,
): void {
  if (cluster.metricsUrl !== undefined && cluster.metricsUrls !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['metricsUrl'],
      message: 'cannot be set together with metricsUrls',
      params: { hint: 'list every node under metricsUrls and remove metricsUrl' },
    });
  }
}

export const clusterSchema = z
  .strictObject(clusterShape)
  .superRefine(notBothMetricsKeys)
  .transform(withMetricsDefault);

export const clusterYSchema = z
  .strictObject({ ...clusterShape, version: kongVersionSchema })
  .superRefine(notBothMetricsKeys)
  .transform(withMetricsDefault);

export type ClusterConfig = z.infer<typeof clusterSchema>;
export type ClusterYConfig = z.infer<typeof clusterYSchema>;
