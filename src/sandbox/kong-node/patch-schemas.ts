import { z } from 'zod';
import type { KongReply } from './http-io.js';

const tags = z.array(z.string()).nullable();
const timeout = z.number().int().min(1).max(2147483646);

export const servicePatchSchema = z
  .strictObject({
    name: z.string().min(1).nullable(),
    retries: z.number().int().min(0).max(32767),
    protocol: z.enum(['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp']),
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    path: z.string().startsWith('/').nullable(),
    connect_timeout: timeout,
    write_timeout: timeout,
    read_timeout: timeout,
    tags,
    enabled: z.boolean(),
    tls_verify: z.boolean().nullable(),
    tls_verify_depth: z.number().int().min(0).max(64).nullable(),
  })
  .partial();
export type ServicePatch = z.infer<typeof servicePatchSchema>;

export const routePatchSchema = z
  .strictObject({
    name: z.string().min(1).nullable(),
    protocols: z
      .array(z.enum(['http', 'https', 'grpc', 'grpcs', 'tcp', 'tls', 'udp', 'tls_passthrough']))
      .min(1),
    methods: z.array(z.string()).nullable(),
    hosts: z.array(z.string()).nullable(),
    paths: z
      .array(z.string().regex(/^~?\//, 'should start with: / (fixed path) or ~/ (regex path)'))
      .nullable(),
    headers: z.record(z.string(), z.array(z.string())).nullable(),
    strip_path: z.boolean(),
    preserve_host: z.boolean(),
    regex_priority: z.number().int(),
    https_redirect_status_code: z.union([
      z.literal(426),
      z.literal(301),
      z.literal(302),
      z.literal(307),
      z.literal(308),
    ]),
    path_handling: z.enum(['v0', 'v1']),
    request_buffering: z.boolean(),
    response_buffering: z.boolean(),
    tags,
    service: z.object({ id: z.uuid() }).nullable(),
  })
  .partial();
export type RoutePatch = z.infer<typeof routePatchSchema>;

export const targetWriteSchema = z.strictObject({
  target: z.string().regex(/^[A-Za-z0-9.\-_[\]:]+$/, 'Invalid target; not a valid hostname or ip address'),
  weight: z.number().int().min(0).max(65535),
  tags,
});
export type TargetWrite = z.infer<typeof targetWriteSchema>;

/** Kong's schema-violation body (kong/db/errors.lua) from a zod error. */
export function schemaViolation(error: z.ZodError): KongReply {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[key] = 'unknown field';
    } else {
      fields[String(issue.path[0] ?? '@entity')] = issue.message;
    }
  }
  const parts = Object.entries(fields).map(([k, v]) => `${k}: ${v}`);
  const message =
    parts.length === 1
      ? `schema violation (${parts[0]})`
      : `${parts.length} schema violations (${parts.join('; ')})`;
  return { status: 400, body: { code: 2, name: 'schema violation', message, fields } };
}

/** Kong's 409 for a unique constraint. */
export function uniqueViolation(fields: Record<string, unknown>): KongReply {
  const shown = Object.entries(fields)
    .map(
      ([k, v]) =>
        `${k}=${typeof v === 'object' && v !== null ? `{id="${(v as { id: string }).id}"}` : JSON.stringify(v)}`,
    )
    .join(',');
  return {
    status: 409,
    body: {
      code: 5,
      name: 'unique constraint violation',
      message: `UNIQUE violation detected on '{${shown}}'`,
      fields,
    },
  };
}
