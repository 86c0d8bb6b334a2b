import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Gate } from '../../src/domain/gate.js';
import { gateJobId } from '../../src/domain/job-names.js';
import type { Run } from '../../src/domain/run.js';
import { RUN_QUEUE } from '../../src/queue/queue-names.js';
import { createStore, type Store } from '../../src/store/create-store.js';
import { createDb, type Db } from '../../src/store/db.js';
import { eventually } from '../support/eventually.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { createSlackRequester, type SlackRequester } from '../support/slack-requests.js';
import { killSpawnedBots, type SpawnedBot, spawnBot } from '../support/spawn-bot.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { TEST_REDIS_URL, uniqueQueuePrefix } from '../support/test-redis.js';

const SIGNING_SECRET = 'crash-bot-signing-secret-0042';
const CHANNEL = 'C0CRASHBOT';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';
// tsx compiling the whole bot on a busy two-core machine takes a while.
const START_MS = 60_000;

/**
 * Issue 8, item 1, the bot itself: the real `start` process (bot and workers in one process) is
 * SIGKILLed right after answering an Approve click, then started again with the same environment.
 * Depending on where the kill lands, the step's job is still waiting in Redis, or was taken by the
 * dead process's worker (BullMQ hands it out again once its lock expires), or was already done; in
 * every case the approved step is applied exactly once, the gate is decided once, and the run goes on.
 */
describe('kill -9 of the bot process right after an approval click', () => {
  let pair: KongPair;
  let slack: FakeSlack;
  let database: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  let observerDb: Db | undefined;
  let store: Store;
  let queue: Queue | undefined;
  const queuePrefix = uniqueQueuePrefix();

  beforeAll(async () => {
    [pair, slack, database] = await Promise.all([startKongPair(), startFakeSlack(), createTestDatabase()]);
    dir = await mkdtemp(join(tmpdir(), 'kub-crash-bot-'));
    const configPath = join(dir, 'kong-upgrade.yaml');
    await writeFile(
      configPath,
      stringify({
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
        environments: {
          // Long observation: no gate for the next step interferes with what is checked.
          prod: pair.environment({ plan: { steps: [5, 100], observeSeconds: 3600 } }),
        },
      }),
    );
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      PORT: '0',
      SLACK_API_URL: slack.apiUrl,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      KONG_UPGRADE_CONFIG: configPath,
      LOG_LEVEL: 'info',
    };
  }, 120_000);

  afterAll(async () => {
    await killSpawnedBots();
    await observerDb?.close().catch(() => undefined);
    // The spawned bots' queue: delayed compare jobs would otherwise stay in the shared Redis.
    queue ??= new Queue(RUN_QUEUE, { connection: { url: TEST_REDIS_URL }, prefix: queuePrefix });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close().catch(() => undefined);
    await Promise.allSettled([pair?.close(), slack?.close()]);
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function startBot(): Promise<{ bot: SpawnedBot; requester: SlackRequester }> {
    const bot = spawnBot('start', env);
    const port = await bot.waitForListening(START_MS);
    const requester = createSlackRequester({
      botUrl: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      responseUrlFor: (ctx) => slack.responseUrl(undefined, ctx),
    });
    return { bot, requester };
  }

  const posts = () => pair.router.posts();

  async function phase(expected: Run['phase'], timeoutMs: number): Promise<Run> {
    return eventually(async () => {
      const run = await store.runs.getRun('prod-1');
      if (run?.phase === 'failed') throw new Error(`prod-1 failed: ${run.failureReason}`);
      return run?.phase === expected && run;
    }, timeoutMs);
  }

  it('the approved step is applied once, the gate decided once, and the run reaches observing', async () => {
    const first = await startBot();
    // The bot created and migrated its database; watch it through a pool of our own.
    observerDb = createDb({ databaseUrl: database.url, max: 2 });
    store = createStore(observerDb);

    const ack = await first.requester.slashCommand({
      text: 'start prod',
      userId: REQUESTER,
      channelId: CHANNEL,
    });
    expect(ack.status).toBe(200);
    // Real preparation: preflight, pg_dump of X, pg_restore into Y, the deploy command, verify.
    const gate: Gate = await eventually(async () => {
      const g = (await store.gates.pendingGates('prod-1')).find(
        (x) => x.kind === 'shift' && x.targetWeight === 5,
      );
      return g?.messageTs ? g : null;
    }, 90_000);
    expect(posts()).toEqual([]);

    const click = await first.requester.clickButton({
      userId: APPROVER,
      actionId: 'gate.approve',
      value: gate.id,
      messageTs: gate.messageTs ?? '',
      channelId: CHANNEL,
    });
    first.bot.kill('SIGKILL');
    expect(click.status).toBe(200);
    const exit = await first.bot.exited;
    expect(exit.signal).toBe('SIGKILL');
    // The click was committed before it was answered.
    const decided = await store.gates.getGate(gate.id);
    expect(decided?.status).toBe('approved');
    expect(decided?.decidedBy).toBe(APPROVER);
    const postsAtKill = posts().length;
    // Where the kill landed: the step's job still waiting, held by the dead worker, or done.
    queue = new Queue(RUN_QUEUE, { connection: { url: TEST_REDIS_URL }, prefix: queuePrefix });
    const stateAtKill = await (await queue.getJob(gateJobId(gate.id)))?.getState();
    expect(['waiting', 'prioritized', 'active', 'completed']).toContain(stateAtKill);

    const second = await startBot();
    // A job the dead worker held comes back after its lock expires (30 s) and a stalled check (15 s).
    const run = await phase('observing', 120_000);
    expect(run.appliedWeight).toBe(5);
    expect(posts()).toEqual([{ x: 95, y: 5 }]);
    expect(pair.router.weights).toEqual({ x: 95, y: 5 });

    const events = await store.events.listEvents('prod-1');
    expect(events.filter((e) => e.kind === 'gate.approved').map((e) => [e.details.gateId, e.actor])).toEqual([
      [gate.id, APPROVER],
    ]);
    expect(events.filter((e) => e.kind === 'gate.refused')).toEqual([]);
    expect(events.filter((e) => e.kind === 'traffic.weight_applied')).toHaveLength(1);
    expect((await store.gates.listGates('prod-1')).map((g) => [g.kind, g.targetWeight, g.status])).toEqual([
      ['shift', 5, 'approved'],
    ]);
    // The restarted process keeps serving: the gate is closed to a second click.
    const again = await second.requester.clickButton({
      userId: APPROVER,
      actionId: 'gate.approve',
      value: gate.id,
      messageTs: gate.messageTs ?? '',
      channelId: CHANNEL,
    });
    expect(again.status).toBe(200);
    await eventually(async () =>
      (await store.events.listEvents('prod-1')).some(
        (e) => e.kind === 'gate.refused' && e.details.code === 'not_pending',
      ),
    );
    expect(posts()).toHaveLength(1);
    console.log(
      `crash-bot: at the kill the step's job was ${stateAtKill} with ${postsAtKill} router POST(s) made; applied once`,
    );
  }, 300_000);
});
