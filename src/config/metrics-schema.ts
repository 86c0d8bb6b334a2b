import { z } from 'zod';
import { baseUrlSchema, whenObject } from './common-schemas.js';

export const METRICS_SOURCES = ['kong', 'prometheus'] as const;

const selectorSchema = z
  .string()
  .regex(/^\{.*\}$/s, 'must be a PromQL label selector in braces, e.g. {cluster="x"}');

export const prometheusSchema = z.strictObject({
  url: baseUrlSchema('http://prometheus:9090'),
  xSelector: selectorSchema,
  ySelector: selectorSchema,
});

export const thresholdsSchema = z.strictObject({
  /** Largest tolerated rise of Y's 5xx ratio over X's (0.005 = half a percentage point). */
  maxErrorRateIncrease: z.number().min(0).max(1).default(0.005),
  maxP95LatencyRatio: z
    .number()
    .min(1, 'must be at least 1 (1 means Y may not be slower than X)')
    .default(1.25),
  maxP99LatencyRatio: z
    .number()
    .min(1, 'must be at least 1 (1 means Y may not be slower than X)')
    .default(1.5),
  /** Fewer requests than this on either side gives `insufficient_data` instead of a verdict. */
  minRequests: z.int().min(0).default(200),
});

const metricsBaseSchema = z
  .strictObject({
    source: z.enum(METRICS_SOURCES).default('kong'),
    prometheus: prometheusSchema.optional(),
    intervalSeconds: z.int().min(1).max(3600).default(60),
    /**
     * How often both clusters are scraped while traffic is split (default 5 with the kong source, once
     * per interval with Prometheus; see scrapeCadence). Every
     * scrape feeds the always-valid 5xx test, so a gross failure is caught within seconds; the full
     * comparison (latency, routes) still runs once per interval.
     */
    scrapeSeconds: z.int().min(1).max(3600).optional(),
    thresholds: thresholdsSchema.prefault({}),
  })
  .superRefine((metrics, ctx) => {
    if (metrics.scrapeSeconds !== undefined && metrics.scrapeSeconds > metrics.intervalSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['scrapeSeconds'],
        message: `must not be longer than intervalSeconds (${metrics.intervalSeconds})`,
        params: { hint: 'e.g. scrapeSeconds: 5 with intervalSeconds: 60' },
      });
    }
    if (metrics.source === 'prometheus' && metrics.prometheus === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['prometheus'],
        message: 'is required because source is prometheus',
        params: {
          hint: 'add prometheus: { url: http://prometheus:9090, xSelector: \'{cluster="x"}\', ySelector: \'{cluster="y"}\' }',
        },
      });
    }
  }, whenObject);

type MetricsBase = z.output<typeof metricsBaseSchema>;

/** Metrics settings, narrowed so that `prometheus` is known to be present when it is the source. */
export type MetricsConfig =
  | (MetricsBase & { source: 'kong' })
  | (MetricsBase & { source: 'prometheus'; prometheus: PrometheusConfig });

export const metricsSchema = metricsBaseSchema
  .transform((metrics): MetricsConfig => metrics as MetricsConfig)
  .prefault({});

export type PrometheusConfig = z.infer<typeof prometheusSchema>;
export type MetricsThresholds = z.infer<typeof thresholdsSchema>;
