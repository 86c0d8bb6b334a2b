import { kongPgEnv } from './kong-pg-env.js';

const ALWAYS = new Set(['PATH', 'HOME', 'LANG', 'TZ']);

/**
 * The environment of a rehearsal command, built from an allowlist (docs/contract.md#clarifications "Child environments"):
 * PATH, HOME, LANG, LC_*, TZ, the variables named in `names` (deploy.env), and Kong's KONG_PG_* for
 * the scratch copy. Nothing else of the worker's environment reaches the child: above all no
 * KONG_PG_* of its own, which could point the rehearsal at Y's real database.
 */
export function rehearsalChildEnv(
  base: Readonly<Record<string, string | undefined>>,
  scratchDatabaseUrl: string,
  names: readonly string[] = [],
): Record<string, string> {
  const allowed = new Set(names);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined || key.startsWith('KONG_PG_')) continue;
    if (ALWAYS.has(key) || key.startsWith('LC_') || allowed.has(key)) env[key] = value;
  }
  return { ...env, ...kongPgEnv(scratchDatabaseUrl) };
}
