import { z } from 'zod';

/** Settings read from the environment (docs/contract.md#environment). Messages name the variable and how to fix it. */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const ENV_DEFAULTS = {
  SLACK_API_URL: 'https://slack.com/api/',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/kong_upgrade',
  REDIS_URL: 'redis://127.0.0.1:6379',
  PORT: 3000,
  KONG_UPGRADE_CONFIG: './kong-upgrade.yaml',
  LOG_LEVEL: 'info',
  QUEUE_PREFIX: 'kub',
} as const;

function hasProtocol(value: string, protocols: readonly string[]): boolean {
  return URL.canParse(value) && protocols.includes(new URL(value).protocol);
}

// Values are never echoed in messages: most of these are secrets or contain passwords.
const slackBotTokenSchema = z
  .string()
  .startsWith(
    'xoxb-',
    'SLACK_BOT_TOKEN does not look like a bot token: it must start with xoxb- (copy the "Bot User OAuth Token" from your Slack app\'s OAuth & Permissions page)',
  );

const slackAppTokenSchema = z
  .string()
  .startsWith(
    'xapp-',
    'SLACK_APP_TOKEN does not look like an app-level token: it must start with xapp- (create one with the connections:write scope under Basic Information → App-Level Tokens), or unset it to use HTTP mode',
  );

const slackApiUrlSchema = z
  .string()
  .refine(
    (value) => hasProtocol(value, ['http:', 'https:']),
    'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/ (or unset it to use Slack itself)',
  )
  .transform((value) => (value.endsWith('/') ? value : `${value}/`));

const databaseUrlSchema = z
  .string()
  .refine(
    (value) => hasProtocol(value, ['postgres:', 'postgresql:']),
    `DATABASE_URL must be a PostgreSQL URL such as ${ENV_DEFAULTS.DATABASE_URL}`,
  );

const redisUrlSchema = z
  .string()
  .refine(
    (value) => hasProtocol(value, ['redis:', 'rediss:']),
    `REDIS_URL must be a Redis URL such as ${ENV_DEFAULTS.REDIS_URL} (rediss:// for TLS)`,
  );

const portSchema = z
  .string()
  .regex(/^\d{1,5}$/, 'PORT must be a whole number from 0 to 65535, e.g. 3000')
  .transform(Number)
  .refine((port) => port <= 65_535, 'PORT must be a whole number from 0 to 65535, e.g. 3000');

const logLevelSchema = z.enum(LOG_LEVELS, {
  error: () => `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`,
});

export const envSchema = z.object({
  SLACK_BOT_TOKEN: slackBotTokenSchema.optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_APP_TOKEN: slackAppTokenSchema.optional(),
  SLACK_API_URL: slackApiUrlSchema.default(ENV_DEFAULTS.SLACK_API_URL),
  DATABASE_URL: databaseUrlSchema.default(ENV_DEFAULTS.DATABASE_URL),
  REDIS_URL: redisUrlSchema.default(ENV_DEFAULTS.REDIS_URL),
  PORT: portSchema.default(ENV_DEFAULTS.PORT),
  KONG_UPGRADE_CONFIG: z.string().default(ENV_DEFAULTS.KONG_UPGRADE_CONFIG),
  LOG_LEVEL: logLevelSchema.default(ENV_DEFAULTS.LOG_LEVEL),
  /** BullMQ key prefix: deployments sharing one Redis must each have their own. */
  QUEUE_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,40}$/,
      'QUEUE_PREFIX must be 1 to 40 letters, digits, dashes or underscores, e.g. kub-prod (no colon)',
    )
    .default(ENV_DEFAULTS.QUEUE_PREFIX),
});

export type Env = z.infer<typeof envSchema>;
