import { Writable } from 'node:stream';
import { App } from '@slack/bolt';
import { stringify } from 'yaml';
import { compose } from '../../src/app/compose.js';
import { createLogger } from '../../src/app/create-logger.js';
import { startBot } from '../../src/app/start-bot.js';
import { parseConfigText } from '../../src/config/load-config.js';
import type { CommandInput, CommandReply } from '../../src/slack/commands/command-context.js';
import { createCommandHandler } from '../../src/slack/handle-command.js';
import { minimalConfigObject } from '../../test/support/config-fixtures.js';
import type { FakeSlack } from '../../test/support/fake-slack.js';
import { createSlackRequester } from '../../test/support/slack-requests.js';
import { createTestDatabase } from '../../test/support/test-database.js';
import { TEST_REDIS_URL, uniqueQueuePrefix } from '../../test/support/test-redis.js';

export const BENCH_SIGNING_SECRET = 'bench-signing-secret-0123456789';
export const BENCH_CHANNEL = 'C0BENCH001';
const ENVIRONMENTS = ['prod', 'staging', 'dev'] as const;
/** Past events per run: status reads them all and shows the last five, so give it a realistic log. */
export const DEFAULT_EVENTS_PER_RUN = 40;

export interface AckSide {
  /** `http://127.0.0.1:PORT/slack/events` */
  eventsUrl: string;
  close(): Promise<void>;
}

export interface BotSide extends AckSide {
  runIds: string[];
  /** The bot's own ack histogram (seconds, kind=command): sum and count since the last reset. */
  ackHistogram(): Promise<{ sum: number; count: number }>;
  resetAckHistogram(): void;
  /** The command handler alone (parse + PostgreSQL reads + blocks), no HTTP and no Bolt. */
  handleCommand(input: CommandInput): Promise<CommandReply>;
}

function portOf(server: unknown): number {
  const address = (server as { address?: () => unknown } | undefined)?.address?.();
  if (address && typeof address === 'object' && 'port' in address) return Number(address.port);
  throw new Error('the Bolt receiver did not report a port');
}

/**
 * The real bot in-process (compose + startBot: Bolt HTTP receiver, PostgreSQL, BullMQ, no workers), on a
 * fresh database with a few active runs created through its own signed `start` command. Logs go to a
 * discarding sink at `info`, as production logs at `info` (serialised, then written).
 */
export async function startBotSide(
  slack: FakeSlack,
  eventsPerRun = DEFAULT_EVENTS_PER_RUN,
): Promise<BotSide> {
  const database = await createTestDatabase('kub_bench');
  const cleanups: Array<() => Promise<unknown>> = [() => database.drop()];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const config: Record<string, unknown> = { ...minimalConfigObject(), slack: { channel: BENCH_CHANNEL } };
    const prod = config.environments as Record<string, unknown>;
    for (const env of ENVIRONMENTS) prod[env] = prod.prod;
    const sink = new Writable({ write: (_chunk, _enc, done) => done() });
    const log = createLogger({
      level: 'info',
      secrets: [BENCH_SIGNING_SECRET, slack.botToken],
      destination: sink,
    });
    const composition = await compose({
      config: parseConfigText(stringify(config), {}, 'bench-config.yaml'),
      log,
      databaseUrl: database.url,
      redisUrl: TEST_REDIS_URL,
      slackToken: slack.botToken,
      slackApiUrl: slack.apiUrl,
      queuePrefix: uniqueQueuePrefix(),
    });
    cleanups.push(() => composition.close());
    // The runs' preflight jobs wait in Redis (no workers here): remove them with the queue.
    cleanups.push(() => composition.queue.queue.obliterate({ force: true }));
    const bot = await startBot({
      composition,
      slackToken: slack.botToken,
      slackApiUrl: slack.apiUrl,
      signingSecret: BENCH_SIGNING_SECRET,
      port: 0,
    });
    cleanups.push(() => bot.stop());
    const eventsUrl = `http://127.0.0.1:${bot.port}/slack/events`;
    const requester = createSlackRequester({
      botUrl: eventsUrl,
      signingSecret: BENCH_SIGNING_SECRET,
      responseUrlFor: (ctx) => slack.responseUrl(undefined, ctx),
    });
    const runIds: string[] = [];
    for (const env of ENVIRONMENTS) {
      const reply = await requester.slashCommand({
        text: `start ${env}`,
        userId: 'U0BENCH01',
        channelId: BENCH_CHANNEL,
      });
      const runId = `${env}-1`;
      if (reply.status !== 200 || !reply.body.includes(runId))
        throw new Error(`starting a run for ${env} failed: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
      for (let i = 0; i < eventsPerRun; i++)
        await composition.store.events.appendEvent(runId, {
          actor: i % 2 ? 'U0BENCH01' : 'job:preflight',
          kind: i % 2 ? 'command.status' : 'job.preflight.progress',
          phase: 'preflight',
          details: { step: i, note: 'benchmark history' },
        });
      runIds.push(runId);
    }
    const handleCommand = createCommandHandler({
      ...composition.deps,
      engine: composition.engine,
      isApprover: composition.isApprover,
    });
    return {
      eventsUrl,
      runIds,
      close,
      handleCommand,
      async ackHistogram() {
        const values = (await composition.metrics.ack.get()).values;
        const pick = (name: string) =>
          values.find((v) => v.metricName === name && v.labels.kind === 'command')?.value ?? 0;
        return {
          sum: pick('kong_upgrade_bot_ack_seconds_sum'),
          count: pick('kong_upgrade_bot_ack_seconds_count'),
        };
      },
      resetAckHistogram: () => composition.metrics.ack.reset(),
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The baseline: a bare Bolt app on the same kind of receiver (HTTPReceiver), acking at once. */
export async function startBareSide(slack: FakeSlack): Promise<AckSide> {
  const app = new App({
    token: slack.botToken,
    signingSecret: BENCH_SIGNING_SECRET,
    botId: 'B0BARE001',
    botUserId: 'U0BARE001',
    clientOptions: { slackApiUrl: slack.apiUrl },
  });
  app.command('/kong-upgrade', async ({ ack }) => ack({ response_type: 'ephemeral', text: 'ok' }));
  const server = await app.start(0);
  return {
    eventsUrl: `http://127.0.0.1:${portOf(server)}/slack/events`,
    close: async () => {
      await app.stop();
    },
  };
}
