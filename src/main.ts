import { compose } from './app/compose.js';
import { createLogger } from './app/create-logger.js';
import { startBot } from './app/start-bot.js';
import { checkConfig } from './config/check-config.js';
import type { ConfigProblem } from './config/config-problem.js';
import type { BotConfig } from './config/config-schema.js';
import { formatConfigProblems } from './config/format-config-problems.js';
import { loadConfig } from './config/load-config.js';
import { loadEnv, type RunMode } from './config/load-env.js';
import { readProcessEnv } from './config/read-process-env.js';
import { collectSecretValues } from './config/secrets.js';
import { checkMetricsSources } from './engine/check-metrics-sources.js';
import { isAppError } from './errors.js';
import { migrate } from './store/migrate.js';

const MODES = ['start', 'worker', 'sandbox', 'migrate', 'check-config'] as const;

function fail(lines: string[]): never {
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(1);
}

async function main(argv: string[]): Promise<void> {
  const mode = argv[0] as RunMode | undefined;
  if (!mode || !(MODES as readonly string[]).includes(mode)) {
    fail([`usage: main.ts <${MODES.join('|')}>`]);
  }
  const raw = readProcessEnv();
  const loaded = loadEnv(raw, mode);
  if (!loaded.ok) fail(['kong-upgrade-bot cannot start:', ...loaded.problems.map((p) => `  - ${p}`)]);
  const env = loaded.env;

  if (mode === 'check-config') {
    const path = argv[1] ?? env.KONG_UPGRADE_CONFIG;
    const result = await checkConfig(path, raw);
    process.stdout.write(`${result.output}\n`);
    process.exit(result.ok ? 0 : 1);
  }
  if (mode === 'sandbox') {
    // Loaded only here: the sandbox's simulated servers are no part of a production start.
    const { runSandbox } = await import('./sandbox/run-sandbox.js');
    return runSandbox({ env, raw });
  }

  let config: BotConfig | undefined;
  if (mode !== 'migrate') {
    try {
      config = await loadConfig({ path: env.KONG_UPGRADE_CONFIG, env: raw });
    } catch (err) {
      if (isAppError(err) && err.code === 'E_CONFIG_INVALID') {
        const problems = (err.details.problems ?? []) as ConfigProblem[];
        fail([
          `${env.KONG_UPGRADE_CONFIG} is not valid; the bot will not start with it:`,
          formatConfigProblems(problems),
        ]);
      }
      throw err;
    }
  }
  const log = createLogger({ level: env.LOG_LEVEL, secrets: collectSecretValues(config, env) });

  if (mode === 'migrate' || !config) {
    const { applied } = await migrate({ databaseUrl: env.DATABASE_URL, log });
    log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
    return;
  }

  const slackToken = env.SLACK_BOT_TOKEN ?? '';
  const composition = await compose({
    config,
    log,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    slackToken,
    slackApiUrl: env.SLACK_API_URL,
  });
  // The bot first: startBot checks the Slack token, and a process that is about to exit on a bad
  // token or an unreachable Slack must not have taken jobs off the queue meanwhile.
  const bot =
    mode === 'start'
      ? await startBot({
          composition,
          slackToken,
          slackApiUrl: env.SLACK_API_URL,
          port: env.PORT,
          ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
          ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
        })
      : null;
  const workers = composition.startWorkers();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await bot?.stop().catch(() => undefined);
    await workers.close().catch(() => undefined);
    await composition.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // One line that says the process is up (workers have no 'bot listening' line of their own).
  log.info({ mode }, mode === 'start' ? 'bot and workers running' : 'workers running');
  void checkMetricsSources(config, log);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (isAppError(err)) fail([`kong-upgrade-bot cannot start: ${err.message}`]);
  fail([`kong-upgrade-bot stopped on an unexpected error: ${(err as Error).stack ?? String(err)}`]);
});
