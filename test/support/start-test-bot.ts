import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { type Composition, compose } from '../../src/app/compose.js';
import { createLogger } from '../../src/app/create-logger.js';
import { startBot } from '../../src/app/start-bot.js';
import type { BotConfig } from '../../src/config/config-schema.js';
import { parseConfigText } from '../../src/config/load-config.js';
import type { BucketPolicy } from '../../src/domain/take-token.js';
import type { AdapterOptions } from '../../src/engine/adapters-for.js';
import type { JobDefinition } from '../../src/engine/job-definition.js';
import type { SlackCallSchedulerOptions } from '../../src/slack/slack-call-scheduler.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import { createSlackRequester, type SlackRequester } from './slack-requests.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { TEST_REDIS_URL, uniqueQueuePrefix } from './test-redis.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export interface TestBotOptions {
  /** Per-user command limit (default: effectively none). */
  commandLimit?: BucketPolicy;
  config: Record<string, unknown>;
  env?: Record<string, string>;
  workers?: boolean;
  definitions?: readonly JobDefinition[];
  /** Reuse an existing database (restart tests); otherwise a fresh one is created. */
  database?: TestDatabase;
  slack?: FakeSlack;
  queuePrefix?: string;
  updateIntervalMs?: number;
  /** Attempts per job (default 5 with backoff from 2 s); fault tests lower it. */
  jobAttempts?: number;
  /**
   * Slack pacing and retries. Default: 10 messages/s per channel and short backoffs, so tests that post
   * a lot stay fast; pass `{}` for Slack's own pacing (about 1/s per channel).
   */
  slackScheduling?: SlackCallSchedulerOptions;
  /** Kong client timeout and retries in the jobs (default: the clients' own). */
  adapters?: AdapterOptions;
  /** A clock the test sets (engine and store); default PostgreSQL's. */
  clock?: () => Date;
  /**
   * This process's own clock (what `Date` says here), e.g. skewed against another bot process on the
   * same database; the default is the machine's.
   */
  processClock?: () => Date;
  /** How often the reconciler runs (default 30 s). */
  reconcileIntervalMs?: number;
}

export interface TestBot {
  config: BotConfig;
  database: TestDatabase;
  slack: FakeSlack;
  composition: Composition;
  requester: SlackRequester;
  url: string;
  queuePrefix: string;
  logs: string[];
  /** Stops the bot and workers; keeps database and fake Slack (for restart tests). */
  stop(): Promise<void>;
  /** Stops everything and drops the database. */
  close(): Promise<void>;
}

/** The real bot (Bolt HTTP receiver, PostgreSQL, BullMQ) against a fake Slack, on a random port. */
export async function startTestBot(options: TestBotOptions): Promise<TestBot> {
  const database = options.database ?? (await createTestDatabase());
  const slack = options.slack ?? (await startFakeSlack());
  const config = parseConfigText(stringify(options.config), options.env ?? {}, 'test-config.yaml');
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ level: 'debug', secrets: [SIGNING_SECRET, slack.botToken], destination: sink });
  const queuePrefix = options.queuePrefix ?? uniqueQueuePrefix();
  const composition = await compose({
    config,
    log,
    databaseUrl: database.url,
    redisUrl: TEST_REDIS_URL,
    slackToken: slack.botToken,
    slackApiUrl: slack.apiUrl,
    queuePrefix,
    ...(options.definitions ? { definitions: options.definitions } : {}),
    ...(options.updateIntervalMs ? { updateIntervalMs: options.updateIntervalMs } : {}),
    ...(options.jobAttempts ? { jobAttempts: options.jobAttempts } : {}),
    ...(options.adapters ? { adapters: options.adapters } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.processClock ? { now: options.processClock } : {}),
    ...(options.reconcileIntervalMs ? { reconcileIntervalMs: options.reconcileIntervalMs } : {}),
    slackScheduling: options.slackScheduling ?? {
      channelBurst: 10,
      channelPerSecond: 10,
      methodBudgets: {},
      backoffBaseMs: 50,
    },
  });
  const workers = options.workers ? composition.startWorkers(2) : null;
  const bot = await startBot({
    composition,
    slackToken: slack.botToken,
    slackApiUrl: slack.apiUrl,
    signingSecret: SIGNING_SECRET,
    port: 0,
    // Whole-bot tests start several runs in a burst; the per-user limit is tested where it is set.
    commandLimit: options.commandLimit ?? { burst: 1_000, refillMs: 1 },
  });
  const url = `http://127.0.0.1:${bot.port}`;
  const requester = createSlackRequester({
    botUrl: `${url}/slack/events`,
    signingSecret: SIGNING_SECRET,
    responseUrlFor: (ctx) => slack.responseUrl(undefined, ctx),
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await bot.stop().catch(() => undefined);
    await workers?.close().catch(() => undefined);
    await composition.close().catch(() => undefined);
  };
  return {
    config,
    database,
    slack,
    composition,
    requester,
    url,
    queuePrefix,
    logs,
    stop,
    async close() {
      await stop();
      if (!options.slack) await slack.close();
      if (!options.database) await database.drop();
    },
  };
}
