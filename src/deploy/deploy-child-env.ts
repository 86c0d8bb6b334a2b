import { baseChildEnv } from '../base-child-env.js';
import { kongPgEnv } from './kong-pg-env.js';

/**
 * The complete environment of a deploy (or rehearsal) command, an allowlist (docs/contract.md#clarifications): `PATH`,
 * `HOME`, locale and `TZ` from the worker, the variables named in `deploy.env` (when set in the worker's
 * environment; their values are secrets), and Kong's `KONG_PG_*` settings for `databaseUrl` (Y's
 * database, or the scratch copy a rehearsal works on), which win over anything of the same name.
 */
export function deployChildEnv(
  base: Readonly<Record<string, string | undefined>>,
  databaseUrl: string,
  names: readonly string[] = [],
): Record<string, string> {
  const env = baseChildEnv(base);
  for (const name of names) {
    const value = Object.hasOwn(base, name) ? base[name] : undefined;
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...kongPgEnv(databaseUrl) };
}
