import { z } from 'zod';

/*
 * Shapes of the Kong Admin API responses we rely on (reference kong.md §1–2). Objects are loose:
 * unknown fields pass through untouched (fingerprints hash them too), and fields that differ between
 * 2.8 and 3.x are optional. The Admin API returns unset fields as JSON null, hence `.nullish()`.
 */

const tags = z.array(z.string()).nullish();
const ref = z.looseObject({ id: z.string() }).nullish();

/** `GET /`: 3.x returns `available_on_server` as `{name: {version, priority}}`, 2.8 as `{name: true}`. */
export const kongRootSchema = z.looseObject({
  version: z.string(),
  edition: z.string().optional(),
  hostname: z.string().nullish(),
  node_id: z.string().nullish(),
  tagline: z.string().optional(),
  plugins: z.looseObject({
    available_on_server: z.union([z.record(z.string(), z.unknown()), z.array(z.string())]),
    // cjson encodes an empty Lua table as `{}`, so an empty list may arrive as an object.
    enabled_in_cluster: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
  }),
  configuration: z
    .looseObject({
      database: z.string().nullish(),
      role: z.string().nullish(),
      vitals: z.union([z.boolean(), z.string()]).nullish(),
      router_flavor: z.string().nullish(),
    })
    .optional(),
});
export type KongRoot = z.infer<typeof kongRootSchema>;

const count = z.number().int().nonnegative();

/** `GET /status`. From 3.4 the `database` key is absent in DB-less/data-plane mode. */
export const kongStatusSchema = z.looseObject({
  database: z.looseObject({ reachable: z.boolean() }).optional(),
  configuration_hash: z.string().optional(),
  server: z.looseObject({
    connections_active: count,
    connections_reading: count,
    connections_writing: count,
    connections_waiting: count,
    connections_accepted: count,
    connections_handled: count,
    total_requests: count,
  }),
  memory: z.unknown().optional(),
});
export type KongStatus = z.infer<typeof kongStatusSchema>;

/** One page of any collection: `{data, next, offset?}`; `next` is null on the last page. */
export const kongPageSchema = z.looseObject({
  data: z.array(z.unknown()),
  next: z.string().nullish(),
  offset: z.string().nullish(),
});
export type KongPage = z.infer<typeof kongPageSchema>;

export const kongServiceSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  protocol: z.string().nullish(),
  host: z.string().nullish(),
  port: z.number().nullish(),
  path: z.string().nullish(),
  enabled: z.boolean().nullish(),
  tags,
});
export type KongService = z.infer<typeof kongServiceSchema>;

export const kongRouteSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  protocols: z.array(z.string()).nullish(),
  methods: z.array(z.string()).nullish(),
  hosts: z.array(z.string()).nullish(),
  paths: z.array(z.string()).nullish(),
  regex_priority: z.number().nullish(),
  path_handling: z.string().nullish(),
  service: ref,
  tags,
});
export type KongRoute = z.infer<typeof kongRouteSchema>;

export const kongPluginSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  instance_name: z.string().nullish(),
  config: z.record(z.string(), z.unknown()).nullish(),
  enabled: z.boolean().nullish(),
  protocols: z.array(z.string()).nullish(),
  service: ref,
  route: ref,
  consumer: ref,
  tags,
});
export type KongPlugin = z.infer<typeof kongPluginSchema>;

export const kongConsumerSchema = z.looseObject({
  id: z.string(),
  username: z.string().nullish(),
  custom_id: z.string().nullish(),
  tags,
});
export type KongConsumer = z.infer<typeof kongConsumerSchema>;

export const kongUpstreamSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  algorithm: z.string().nullish(),
  tags,
});
export type KongUpstream = z.infer<typeof kongUpstreamSchema>;

export const kongTargetSchema = z.looseObject({
  id: z.string(),
  target: z.string(),
  weight: z.number(),
  upstream: z.looseObject({ id: z.string() }),
  tags,
});
export type KongTarget = z.infer<typeof kongTargetSchema>;

export const kongCertificateSchema = z.looseObject({ id: z.string(), tags });
export type KongCertificate = z.infer<typeof kongCertificateSchema>;

export const kongSniSchema = z.looseObject({ id: z.string(), name: z.string(), certificate: ref, tags });
export type KongSni = z.infer<typeof kongSniSchema>;

export const kongCaCertificateSchema = z.looseObject({ id: z.string(), tags });
export type KongCaCertificate = z.infer<typeof kongCaCertificateSchema>;

/** `key` is a secret: hash it, never show it. */
export const kongKeyAuthCredentialSchema = z.looseObject({
  id: z.string(),
  key: z.string(),
  consumer: ref,
  tags,
});
export type KongKeyAuthCredential = z.infer<typeof kongKeyAuthCredentialSchema>;

/**
 * Entities the write freeze must watch beyond the routing core (credentials, vaults, keys, filter
 * chains). Only the id is relied on; their secrets are hashed into the fingerprint, never shown.
 */
export const kongOtherEntitySchema = z.looseObject({ id: z.string(), tags });
export type KongOtherEntity = z.infer<typeof kongOtherEntitySchema>;
