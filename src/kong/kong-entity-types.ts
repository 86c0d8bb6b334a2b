import type { z } from 'zod';
import {
  kongCaCertificateSchema,
  kongCertificateSchema,
  kongConsumerSchema,
  kongKeyAuthCredentialSchema,
  kongOtherEntitySchema,
  kongPluginSchema,
  kongRouteSchema,
  kongServiceSchema,
  kongSniSchema,
  kongTargetSchema,
  kongUpstreamSchema,
} from './kong-schemas.js';

/** Entity collections the bot snapshots, in a stable order (also the order of reports and diffs). */
export const KONG_ENTITY_TYPES = [
  'services',
  'routes',
  'plugins',
  'consumers',
  'upstreams',
  'targets',
  'certificates',
  'snis',
  'ca_certificates',
  'keyauth_credentials',
  'acls',
  'basicauth_credentials',
  'hmacauth_credentials',
  'jwt_secrets',
  'oauth2_credentials',
  'vaults',
  'key_sets',
  'keys',
  'filter_chains',
] as const;
export type KongEntityType = (typeof KONG_ENTITY_TYPES)[number];

export const kongEntitySchemas = {
  services: kongServiceSchema,
  routes: kongRouteSchema,
  plugins: kongPluginSchema,
  consumers: kongConsumerSchema,
  upstreams: kongUpstreamSchema,
  targets: kongTargetSchema,
  certificates: kongCertificateSchema,
  snis: kongSniSchema,
  ca_certificates: kongCaCertificateSchema,
  keyauth_credentials: kongKeyAuthCredentialSchema,
  acls: kongOtherEntitySchema,
  basicauth_credentials: kongOtherEntitySchema,
  hmacauth_credentials: kongOtherEntitySchema,
  jwt_secrets: kongOtherEntitySchema,
  oauth2_credentials: kongOtherEntitySchema,
  vaults: kongOtherEntitySchema,
  key_sets: kongOtherEntitySchema,
  keys: kongOtherEntitySchema,
  filter_chains: kongOtherEntitySchema,
} as const satisfies Record<KongEntityType, z.ZodType>;

export type KongEntityOf<T extends KongEntityType> = z.infer<(typeof kongEntitySchemas)[T]>;

/** Every entity of every type, as listed from one node. */
export type KongSnapshot = { [T in KongEntityType]: KongEntityOf<T>[] };

/**
 * Admin API path of each top-level collection. Targets have none (top-level `/targets` is 404 in 3.x):
 * they are listed per upstream at `/upstreams/{id}/targets`.
 */
export const KONG_COLLECTION_PATHS: Record<Exclude<KongEntityType, 'targets'>, string> = {
  services: '/services',
  routes: '/routes',
  plugins: '/plugins',
  consumers: '/consumers',
  upstreams: '/upstreams',
  certificates: '/certificates',
  snis: '/snis',
  ca_certificates: '/ca_certificates',
  keyauth_credentials: '/key-auths',
  acls: '/acls',
  basicauth_credentials: '/basic-auths',
  hmacauth_credentials: '/hmac-auths',
  jwt_secrets: '/jwts',
  oauth2_credentials: '/oauth2',
  vaults: '/vaults',
  key_sets: '/key-sets',
  keys: '/keys',
  filter_chains: '/filter-chains',
};

export function isKongEntityType(value: string): value is KongEntityType {
  return (KONG_ENTITY_TYPES as readonly string[]).includes(value);
}
