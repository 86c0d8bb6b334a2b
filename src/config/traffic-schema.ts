import { z } from 'zod';
import {
  argvSchema,
  baseUrlSchema,
  hostPortSchema,
  httpUrlSchema,
  nonEmptyStringSchema,
  secretSchema,
  whenObject,
} from './common-schemas.js';

export const ROUTER_KINDS = ['nginx', 'kubernetes-gateway', 'kong-upstream', 'webhook'] as const;
export type RouterKind = (typeof ROUTER_KINDS)[number];

export const nginxRouterSchema = z.strictObject({
  upstreamFile: nonEmptyStringSchema,
  upstreamName: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be an nginx upstream name (letters, digits, _ . -)'),
  xServer: hostPortSchema('kong-x:8000'),
  yServer: hostPortSchema('kong-y:8000'),
  testCommand: argvSchema.default(() => ['nginx', '-t']),
  reloadCommand: argvSchema.default(() => ['nginx', '-s', 'reload']),
});

export const kubernetesGatewayRouterSchema = z.strictObject({
  apiUrl: baseUrlSchema('https://kubernetes.default.svc').default('https://kubernetes.default.svc'),
  tokenFile: nonEmptyStringSchema.default('/var/run/secrets/kubernetes.io/serviceaccount/token'),
  /** CA bundle for the API server; unset means the system CAs. */
  caFile: nonEmptyStringSchema.optional(),
  namespace: nonEmptyStringSchema,
  httpRoute: nonEmptyStringSchema,
  ruleIndex: z.int().min(0).default(0),
  xBackend: nonEmptyStringSchema,
  yBackend: nonEmptyStringSchema,
});

export const kongUpstreamRouterSchema = z.strictObject({
  adminUrl: baseUrlSchema('http://kong-front-admin:8001'),
  adminToken: secretSchema.optional(),
  upstream: nonEmptyStringSchema,
  xTarget: hostPortSchema('kong-x:8000'),
  yTarget: hostPortSchema('kong-y:8000'),
});

export const webhookRouterSchema = z.strictObject({
  url: httpUrlSchema('https://lb-control.example/weights'),
  secret: secretSchema,
  /** Sign the body only, without X-Signature-Timestamp (replayable; for receivers not yet updated). */
  legacySignature: z.boolean().optional(),
});

const trafficBaseSchema = z
  .strictObject({
    router: z.enum(ROUTER_KINDS),
    nginx: nginxRouterSchema.optional(),
    'kubernetes-gateway': kubernetesGatewayRouterSchema.optional(),
    'kong-upstream': kongUpstreamRouterSchema.optional(),
    webhook: webhookRouterSchema.optional(),
  })
  .superRefine((traffic, ctx) => {
    const kind = traffic.router;
    if ((ROUTER_KINDS as readonly unknown[]).includes(kind) && traffic[kind] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [kind],
        message: `is required because router is ${kind}`,
        params: { hint: `add a "${kind}:" section under traffic (see kong-upgrade.example.yaml)` },
      });
    }
  }, whenObject);

type TrafficBase = z.output<typeof trafficBaseSchema>;

/** Traffic settings, narrowed so that the chosen router's section is known to be present. */
export type TrafficConfig = {
  [K in RouterKind]: TrafficBase & { router: K } & { [P in K]-?: NonNullable<TrafficBase[P]> };
}[RouterKind];

// The refinement above guarantees the narrowing; the cast only tells TypeScript.
export const trafficSchema = trafficBaseSchema.transform(
  (traffic): TrafficConfig => traffic as TrafficConfig,
);

export type NginxRouterConfig = z.infer<typeof nginxRouterSchema>;
export type KubernetesGatewayRouterConfig = z.infer<typeof kubernetesGatewayRouterSchema>;
export type KongUpstreamRouterConfig = z.infer<typeof kongUpstreamRouterSchema>;
export type WebhookRouterConfig = z.infer<typeof webhookRouterSchema>;
