// Locale and time zone decide how a tool prints and parses; nothing else of the bot's own environment
// (Slack tokens, DATABASE_URL, PG* settings, cloud credentials) is any child's business.
const PASSED = new Set(['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ']);

/** Whether a variable of the bot's environment may reach any child process (docs/contract.md#clarifications). */
export function isBaseChildVariable(name: string): boolean {
  return PASSED.has(name) || name.startsWith('LC_');
}

/**
 * The part of the bot's environment every child process gets: `PATH`, `HOME`, `LANG`/`LANGUAGE`,
 * `LC_*` and `TZ`. Callers add what the child needs for its own work (its database settings, the
 * variables the config names); an allowlist, so a variable added to the bot's environment later never
 * leaks by default.
 */
export function baseChildEnv(base: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && isBaseChildVariable(key)) env[key] = value;
  }
  return env;
}
