import { kongPgEnv } from './kong-pg-env.js';

// The bot's own credentials: a deploy command has no business seeing them.
const BOT_SECRETS = [
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
];

/**
 * The environment of a deploy command: the worker's own (PATH, HOME, KUBECONFIG…) without the bot's
 * credentials, plus Kong's `KONG_PG_*` settings for Y's database.
 */
export function deployChildEnv(
  base: Record<string, string | undefined>,
  yDatabaseUrl: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !BOT_SECRETS.includes(key)) env[key] = value;
  }
  return { ...env, ...kongPgEnv(yDatabaseUrl) };
}
