import { isSecretQueryParam } from '../mask-url.js';
import type { BotConfig } from './config-schema.js';
import { configSecrets } from './config-secrets.js';
import type { Env } from './env-schema.js';

/** The password of a URL as written and decoded (both forms can end up in logs). */
function urlPasswords(url: string | undefined): string[] {
  if (url === undefined || !URL.canParse(url)) return [];
  const { password, searchParams } = new URL(url);
  const found: string[] = [];
  if (password !== '') {
    found.push(password);
    try {
      found.push(decodeURIComponent(password));
    } catch {
      // Not valid percent-encoding: the raw form above is what appears anywhere.
    }
  }
  for (const [key, value] of searchParams) if (isSecretQueryParam(key)) found.push(value);
  return found;
}

export type SecretEnv = Partial<
  Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN' | 'SLACK_SIGNING_SECRET' | 'DATABASE_URL' | 'REDIS_URL'>
>;

// Shorter values would redact ordinary words everywhere, and protect nothing as secrets anyway.
const MIN_SECRET_LENGTH = 4;

/**
 * Every secret value the bot knows (tokens, passwords in URLs, webhook secrets, smoke-test header values,
 * Slack credentials, every `${VAR}` substitution and the values of `deploy.env`), longest first so a redactor replaces whole secrets before their parts.
 */
export function collectSecretValues(config: BotConfig | undefined, env: SecretEnv): string[] {
  const values: (string | undefined)[] = [
    env.SLACK_BOT_TOKEN,
    env.SLACK_APP_TOKEN,
    env.SLACK_SIGNING_SECRET,
    ...urlPasswords(env.DATABASE_URL),
    ...urlPasswords(env.REDIS_URL),
    ...configSecrets(config),
  ];
  for (const environment of Object.values(config?.environments ?? {})) {
    for (const cluster of [environment.clusterX, environment.clusterY]) {
      values.push(cluster.adminToken);
      for (const url of [cluster.adminUrl, cluster.proxyUrl, ...cluster.metricsUrls, cluster.databaseUrl]) {
        values.push(...urlPasswords(url));
      }
    }
    values.push(environment.deploy.webhook?.secret, ...urlPasswords(environment.deploy.webhook?.url));
    const traffic = environment.traffic;
    values.push(traffic.webhook?.secret, ...urlPasswords(traffic.webhook?.url));
    values.push(traffic['kong-upstream']?.adminToken, ...urlPasswords(traffic['kong-upstream']?.adminUrl));
    values.push(...urlPasswords(traffic['kubernetes-gateway']?.apiUrl));
    values.push(...urlPasswords(environment.metrics.prometheus?.url));
    for (const test of environment.smokeTests) values.push(...Object.values(test.request.headers));
  }
  const unique = new Set(values.filter((v): v is string => v !== undefined && v.length >= MIN_SECRET_LENGTH));
  return [...unique].sort((a, b) => b.length - a.length);
}
