import { z } from 'zod';

/** Small building blocks shared by the config file's schemas. Messages never echo values (they may be secrets). */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs a cross-field rule even when other fields already failed, so every problem is reported at once. */
export const whenObject = { when: (payload: { value: unknown }) => isPlainObject(payload.value) };

function isUrlWithProtocol(value: string, protocols: readonly string[]): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return protocols.includes(url.protocol) && url.host !== '';
}

/** An http(s) URL; `example` shows up in the hint. */
export function httpUrlSchema(example: string) {
  return z.string().superRefine((value, ctx) => {
    if (!isUrlWithProtocol(value, ['http:', 'https:'])) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an http:// or https:// URL',
        params: { hint: `for example ${example}` },
      });
    }
  });
}

/** An http(s) base URL without trailing slashes, so paths can be appended (`adminUrl + '/metrics'`). */
export function baseUrlSchema(example: string) {
  return httpUrlSchema(example).transform((value) => value.replace(/\/+$/, ''));
}

export const postgresUrlSchema = z.string().superRefine((value, ctx) => {
  if (!isUrlWithProtocol(value, ['postgres:', 'postgresql:'])) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a PostgreSQL connection URL',
      params: { hint: `for example postgres://kong:\${KONG_DB_PASSWORD}@db-host:5432/kong` },
    });
  }
});

export const nonEmptyStringSchema = z.string().min(1);

/** A command as an argv array: no shell, so nothing in it is ever interpreted. */
export const argvSchema = z
  .array(z.string().min(1), {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input !== undefined
        ? 'must be a list of words like [nginx, -s, reload]; commands run without a shell'
        : undefined,
  })
  .min(1, 'must have at least the program name, e.g. [nginx, -t]');

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/;

export function hostPortSchema(example: string) {
  return z.string().superRefine((value, ctx) => {
    if (!HOST_PORT.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be host:port',
        params: { hint: `for example ${example} (no http://)` },
      });
    }
  });
}

/** A secret value (webhook HMAC key, token): present and non-empty; usually `${VAR}`. */
export const secretSchema = z
  .string()
  .min(1, `must not be empty (use \${VAR} to read it from the environment)`);
