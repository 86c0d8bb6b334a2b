// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config values here use the ${VAR} syntax on purpose
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_QUEUE_PREFIX, RUN_QUEUE } from '../../src/queue/queue-names.js';
import { minimalConfigObject, withConfigKey } from '../support/config-fixtures.js';
import { eventually } from '../support/eventually.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { groupCommandLines, TSX_CLI } from '../support/process-group.js';
import { createSlackRequester } from '../support/slack-requests.js';
import { closedPort, killSpawnedBots, STACK_FRAME, spawnBot, spawnNpmScript } from '../support/spawn-bot.js';
import { createTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from '../support/test-database.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';

/**
 * The real entry point as an operator runs it (`node --import tsx src/main.ts <mode>`), one child
 * process per case, against real PostgreSQL and Redis and a fake Slack over HTTP.
 */

const SIGNING_SECRET = 'main-process-signing-secret-42';
// How long a process may take to exit. Generous: loading TypeScript through tsx alone takes seconds
// on a busy two-core machine. Where "not a hang" matters, the time is measured from the stalled call.
const EXIT_MS = 25_000;
// BullMQ closes a Redis connection that is still starting with an unhandled 'error' (bullmq#3546), so
// a SIGTERM within the first moments of a worker crashes it; let the connections settle first.
const SETTLE_MS = 1500;
const CHANNEL = 'C0PROC0001';
// main.ts has no queue-prefix setting, so these bots use BullMQ's default prefix. Every worker on the
// default prefix takes every job there, so the children get a Redis database of their own (not 0,
// where developers' bots run), and a random environment name makes the run and job ids unique even
// when two copies of this file run at once.
const REDIS_URL = (() => {
  const url = new URL(TEST_REDIS_URL);
  url.pathname = `/${1 + ((randomBytes(1)[0] ?? 0) % 15)}`;
  return url.toString();
})();
const ENV_NAME = `e2e${randomBytes(4).toString('hex')}`;
const RUN_ID = `${ENV_NAME}-1`;
const PREFLIGHT_JOB_ID = `${RUN_ID}.preflight`;

let slack: FakeSlack;
let db: TestDatabase;
let dir: string;
let configPath: string;
let closed: number;
let queue: Queue;
const blackholes: Socket[] = [];
const blackholeConnectedAt: number[] = [];
let blackhole: Server;
let blackholePort: number;

async function writeConfig(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof value === 'string' ? value : stringify(value));
  return path;
}

/** The environment of a bot that should start: every setting explicit, nothing inherited. */
function botEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    REDIS_URL,
    PORT: '0',
    SLACK_API_URL: slack.apiUrl,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    KONG_UPGRADE_CONFIG: configPath,
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

async function query<T>(sql: string, params: unknown[] = [], url = db.url): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function healthy(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
  return res?.status === 200;
}

beforeAll(async () => {
  [slack, db, dir, closed] = await Promise.all([
    startFakeSlack(),
    createTestDatabase(),
    mkdtemp(join(tmpdir(), 'kub-main-')),
    closedPort(),
  ]);
  // Kong endpoints on a closed port: the preflight job fails fast (and retryably) instead of reaching
  // anything real, so the run stays in preflight while the test looks at it.
  const kong = `http://127.0.0.1:${closed}`;
  let config = withConfigKey(minimalConfigObject(), 'slack', { channel: CHANNEL });
  const environments = config.environments as Record<string, unknown>;
  config.environments = { [ENV_NAME]: environments.prod };
  for (const [key, value] of Object.entries({
    'clusterX.adminUrl': kong,
    'clusterX.proxyUrl': kong,
    'clusterY.adminUrl': kong,
    'clusterY.proxyUrl': kong,
  })) {
    config = withConfigKey(config, `environments.${ENV_NAME}.${key}`, value);
  }
  configPath = await writeConfig('kong-upgrade.yaml', config);
  queue = new Queue(RUN_QUEUE, { connection: { url: REDIS_URL }, prefix: DEFAULT_QUEUE_PREFIX });
  // Accepts connections and never answers: the way an unreachable Slack behind a firewall behaves.
  blackhole = createServer((socket) => {
    blackholes.push(socket);
    blackholeConnectedAt.push(performance.now());
  });
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  blackholePort = (blackhole.address() as { port: number }).port;
});

afterAll(async () => {
  await killSpawnedBots();
  // Only this file's job: the default-prefix queue may be someone else's. The killed process's lock
  // would block removal for 30 s, and it belongs to a dead worker, so drop it first.
  if (queue) {
    const redis = await queue.client;
    await redis.del(`${DEFAULT_QUEUE_PREFIX}:${RUN_QUEUE}:${PREFLIGHT_JOB_ID}:lock`);
    await queue.remove(PREFLIGHT_JOB_ID).catch(() => undefined);
  }
  await queue?.close();
  for (const s of blackholes) s.destroy();
  await new Promise((r) => blackhole?.close(r));
  await slack?.close();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.concurrent('start-up failures: exit non-zero fast, one line per problem, no stack trace', {
  timeout: 60_000,
}, () => {
  // Concurrent: each case is its own process with its own files; only the fake Slack is shared.
  it('a config file with several errors lists every problem by key path', async () => {
    let bad = withConfigKey(minimalConfigObject(), 'environments.prod.traffic.router', 'carrier-pigeon');
    bad = withConfigKey(bad, 'approvals.fourEyes', 'maybe');
    bad = withConfigKey(bad, 'environments.prod.clusterX.adminUrl', 'not-a-url');
    bad = withConfigKey(bad, 'environments.prod.clusterY.databaseUrl', '${KUB_UNSET_VARIABLE}');
    const path = await writeConfig('bad.yaml', bad);
    const token = 'xoxb-config-test-0001';
    const bot = spawnBot('start', botEnv({ KONG_UPGRADE_CONFIG: path, SLACK_BOT_TOKEN: token }));
    const exit = await bot.waitForExit(EXIT_MS);
    expect(exit.code).toBe(1);
    const err = bot.stderr();
    expect(err).toContain(path);
    for (const key of [
      'environments.prod.traffic.router',
      'approvals.fourEyes',
      'environments.prod.clusterX.adminUrl',
      'environments.prod.clusterY.databaseUrl',
    ]) {
      expect(err).toMatch(new RegExp(`^ {2}- ${key.replaceAll('.', '\\.')}: `, 'm'));
    }
    expect(err).toContain('KUB_UNSET_VARIABLE');
    expect(err).not.toMatch(STACK_FRAME);
    // Nothing was started: Slack never saw this process's token.
    expect(slack.calls().filter((c) => c.headers.authorization === `Bearer ${token}`)).toEqual([]);
  });

  it('missing SLACK_BOT_TOKEN and a bad PORT: one line per variable, values never echoed', async () => {
    const env = botEnv({ PORT: 'http', DATABASE_URL: 'mysql://kub:db-pw-7781@127.0.0.1/kub' });
    delete env.SLACK_BOT_TOKEN;
    const bot = spawnBot('start', env);
    const exit = await bot.waitForExit(EXIT_MS);
    expect(exit.code).toBe(1);
    const lines = bot
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('  - '));
    expect(lines).toHaveLength(3);
    expect(lines.filter((l) => l.includes('PORT'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('SLACK_BOT_TOKEN'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('DATABASE_URL'))).toHaveLength(1);
    expect(bot.stderr()).not.toContain('db-pw-7781');
    expect(bot.stderr()).not.toContain(SIGNING_SECRET);
    expect(bot.stderr()).not.toMatch(STACK_FRAME);
  });

  it('an unknown mode prints the usage', async () => {
    const bot = spawnBot('serve', botEnv());
    expect((await bot.waitForExit(EXIT_MS)).code).toBe(1);
    expect(bot.stderr()).toMatch(/usage: main\.ts <start\|worker\|sandbox\|migrate\|check-config>/);
  });

  it('Slack that refuses connections: exits naming SLACK_API_URL, no stack trace', async () => {
    const bot = spawnBot('start', botEnv({ SLACK_API_URL: `http://127.0.0.1:${closed}/api/` }));
    expect((await bot.waitForExit(EXIT_MS)).code).toBe(1);
    expect(bot.stderr()).toMatch(/kong-upgrade-bot cannot start: Slack did not answer at .*SLACK_API_URL/);
    expect(bot.stderr()).not.toContain(slack.botToken);
    expect(bot.stderr()).not.toMatch(STACK_FRAME);
  });

  it('Slack that accepts connections but never answers: gives up within 10 s of calling, not a hang', async () => {
    const calls = blackholeConnectedAt.length;
    const bot = spawnBot('start', botEnv({ SLACK_API_URL: `http://127.0.0.1:${blackholePort}/api/` }));
    // Start-up before the call may be slow on a busy machine; the clock that matters starts at the call.
    const calledAt = await eventually(
      () => blackholeConnectedAt[calls] ?? (bot.child.exitCode === null ? undefined : -1),
      45_000,
    );
    expect(calledAt, `exited before calling Slack:\n${bot.stderr()}`).toBeGreaterThan(0);
    const exit = await bot.waitForExit(15_000);
    expect(performance.now() - calledAt).toBeLessThan(10_000);
    expect(exit.code).toBe(1);
    // No retries: one connection only.
    expect(blackholeConnectedAt).toHaveLength(calls + 1);
    expect(bot.stderr()).toMatch(/kong-upgrade-bot cannot start: Slack did not answer at .*SLACK_API_URL/);
    expect(bot.stderr()).not.toMatch(STACK_FRAME);
  });

  it('a token Slack refuses: exits naming SLACK_BOT_TOKEN', async () => {
    const bot = spawnBot('start', botEnv({ SLACK_BOT_TOKEN: 'xoxb-revoked-000' }));
    expect((await bot.waitForExit(EXIT_MS)).code).toBe(1);
    expect(bot.stderr()).toMatch(/Slack refused SLACK_BOT_TOKEN \(invalid_auth\)/);
    expect(bot.stderr()).not.toContain('xoxb-revoked-000');
    expect(bot.stderr()).not.toMatch(STACK_FRAME);
  });
});

describe.concurrent('check-config', { timeout: 60_000 }, () => {
  const secrets = {
    KONG_X_ADMIN_TOKEN: 'kx-admin-token-5521',
    KONG_X_DATABASE_URL: 'postgres://kong:x-db-pw-8830@kong-x-db:5432/kong',
  };

  it('a good file: prints the summary, exits 0, shows no secret from ${VAR}s', async () => {
    let good = withConfigKey(
      minimalConfigObject(),
      'environments.prod.clusterX.adminToken',
      '${KONG_X_ADMIN_TOKEN}',
    );
    good = withConfigKey(good, 'environments.prod.clusterX.databaseUrl', '${KONG_X_DATABASE_URL}');
    const path = await writeConfig('good.yaml', good);
    const bot = spawnBot('check-config', secrets, [path]);
    const exit = await bot.waitForExit(EXIT_MS);
    const output = bot.stdout() + bot.stderr();
    expect(exit.code, output).toBe(0);
    expect(bot.stdout()).toContain(`${path} is valid`);
    expect(bot.stdout()).toMatch(/- prod: Y version 3\.9\.1, router nginx/);
    for (const value of Object.values(secrets)) expect(output).not.toContain(value);
    expect(output).not.toContain('x-db-pw-8830');
  });

  it('a bad file: exits 1 listing the problems, still without the secrets', async () => {
    // Secrets in the wrong shape are the ones most likely to be echoed back in an error.
    const env = {
      KONG_X_ADMIN_TOKEN: 'kx-admin-token-5521',
      KONG_X_DATABASE_URL: 'mysql://kong:x-db-pw-8830@kong-x-db/kong',
      KONG_X_ADMIN_URL: 'ftp://admin:admin-pw-1193@kong-x/',
    };
    let bad = withConfigKey(
      minimalConfigObject(),
      'environments.prod.clusterX.adminToken',
      '${KONG_X_ADMIN_TOKEN}',
    );
    bad = withConfigKey(bad, 'environments.prod.clusterX.databaseUrl', '${KONG_X_DATABASE_URL}');
    bad = withConfigKey(bad, 'environments.prod.clusterX.adminUrl', '${KONG_X_ADMIN_URL}');
    bad = withConfigKey(bad, 'environments.prod.backup.jobs', '${KONG_X_ADMIN_TOKEN}');
    const path = await writeConfig('bad-secrets.yaml', bad);
    // The default path is used when none is given: point KONG_UPGRADE_CONFIG at the file instead.
    const bot = spawnBot('check-config', { ...env, KONG_UPGRADE_CONFIG: path });
    const exit = await bot.waitForExit(EXIT_MS);
    const output = bot.stdout() + bot.stderr();
    expect(exit.code, output).toBe(1);
    for (const key of ['clusterX.databaseUrl', 'clusterX.adminUrl', 'backup.jobs']) {
      expect(output).toContain(`environments.prod.${key}:`);
    }
    for (const secret of ['kx-admin-token-5521', 'x-db-pw-8830', 'admin-pw-1193']) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toMatch(STACK_FRAME);
  });

  it('a file that does not exist: exits 1 naming it', async () => {
    const path = join(dir, 'missing.yaml');
    const bot = spawnBot('check-config', {}, [path]);
    expect((await bot.waitForExit(EXIT_MS)).code).toBe(1);
    expect(bot.stdout() + bot.stderr()).toContain(path);
  });
});

describe.concurrent('migrate', { timeout: 90_000 }, () => {
  it('creates the tables on a fresh database and exits 0; a second run is fine too', async () => {
    const fresh = await createTestDatabase('kub_migrate');
    try {
      const first = spawnBot('migrate', { DATABASE_URL: fresh.url, LOG_LEVEL: 'info' });
      const exit = await first.waitForExit(EXIT_MS);
      expect(exit.code, first.stderr()).toBe(0);
      expect(first.stdout()).toContain('migrations applied');
      const tables = await query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        [],
        fresh.url,
      );
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining(['runs', 'run_events', 'gates', 'metric_samples', 'backups']),
      );
      const second = spawnBot('migrate', { DATABASE_URL: fresh.url, LOG_LEVEL: 'info' });
      expect((await second.waitForExit(EXIT_MS)).code, second.stderr()).toBe(0);
      expect(second.stdout()).toContain('database is up to date');
    } finally {
      await fresh.drop();
    }
  });

  it('creates the database itself when it does not exist yet', async () => {
    const name = `kub_migrate_new_${randomBytes(5).toString('hex')}`;
    const url = new URL(TEST_PG_ADMIN_URL);
    url.pathname = `/${name}`;
    try {
      const bot = spawnBot('migrate', { DATABASE_URL: url.toString() });
      expect((await bot.waitForExit(EXIT_MS)).code, bot.stderr()).toBe(0);
      const rows = await query<{ n: number }>('SELECT count(*)::int AS n FROM runs', [], url.toString());
      expect(rows[0]?.n).toBe(0);
    } finally {
      await query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, [], TEST_PG_ADMIN_URL);
    }
  });

  it('an unreachable database: exits 1 with a clear message, the password masked', async () => {
    const bot = spawnBot('migrate', { DATABASE_URL: `postgres://kub:pg-pw-6612@127.0.0.1:${closed}/kub` });
    const exit = await bot.waitForExit(EXIT_MS);
    expect(exit.code).toBe(1);
    expect(bot.stderr()).toMatch(/kong-upgrade-bot cannot start: /);
    expect(bot.stdout() + bot.stderr()).not.toContain('pg-pw-6612');
    expect(bot.stderr()).not.toMatch(STACK_FRAME);
  });
});

describe('kill -9 right after a start is acknowledged, then start again', { timeout: 120_000 }, () => {
  it('keeps the run, its event, its job and one run card; SIGTERM then exits 0', async () => {
    const first = spawnBot('start', botEnv());
    const port = await first.waitForListening(20_000);
    await eventually(() => healthy(port), 10_000);
    const requester = createSlackRequester({
      botUrl: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      responseUrlFor: (ctx) => slack.responseUrl(undefined, ctx),
    });
    const reply = await requester.slashCommand({ text: `start ${ENV_NAME}`, userId: 'U0REQ' });
    first.kill('SIGKILL');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain(RUN_ID);
    expect((await first.exited).signal).toBe('SIGKILL');
    // The job was enqueued before the ack (docs/contract.md#slash-command), so it is in Redis even though the process died.
    expect((await queue.getJob(PREFLIGHT_JOB_ID))?.data).toMatchObject({ runId: RUN_ID });

    const second = spawnBot('start', botEnv());
    const port2 = await second.waitForListening(20_000);
    await eventually(() => healthy(port2), 10_000);
    // The reconciler (at start-up) posts the card if the killed process had not recorded one.
    const cardTs = await eventually(async () => {
      const [row] = await query<{ card_ts: string | null }>('SELECT card_ts FROM runs WHERE id = $1', [
        RUN_ID,
      ]);
      return row?.card_ts;
    }, 10_000);

    const [run] = await query<{ phase: string; channel: string; thread_ts: string | null }>(
      'SELECT phase, channel, thread_ts FROM runs WHERE id = $1',
      [RUN_ID],
    );
    const events = await query<{ kind: string }>(
      'SELECT kind FROM run_events WHERE run_id = $1 ORDER BY id',
      [RUN_ID],
    );
    const kinds = events.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'command.start')).toHaveLength(1);
    // Still in Redis whatever its state (completed and failed jobs are kept), with its payload.
    expect((await queue.getJob(PREFLIGHT_JOB_ID))?.data).toMatchObject({ v: 1, runId: RUN_ID });
    // Kong is unreachable, so preflight can only end in failure; until it does, the run is in preflight.
    if (kinds.includes('job.preflight.failed')) expect(run?.phase).toBe('failed');
    else expect(run?.phase).toBe('preflight');
    expect(run?.channel).toBe(CHANNEL);
    expect(run?.thread_ts).toBe(cardTs);

    // Give a second reconcile or a late post the chance to duplicate the card before counting.
    await new Promise((r) => setTimeout(r, 500));
    const cards = slack.messages(CHANNEL).filter((m) => m.text.includes(RUN_ID));
    expect(
      cards.map((c) => c.ts),
      'the run card must be posted exactly once',
    ).toEqual([cardTs]);

    await second.waitForLog('bot and workers running', 5000);
    const stopping = performance.now();
    second.kill('SIGTERM');
    const exit = await second.waitForExit(EXIT_MS);
    expect(performance.now() - stopping).toBeLessThan(10_000);
    expect(exit.code, second.stderr()).toBe(0);
    expect(second.stdout()).toContain('shutting down');
  });

  it('worker mode starts without Slack HTTP and stops with 0 on SIGTERM', async () => {
    const worker = spawnBot('worker', botEnv({ SLACK_SIGNING_SECRET: '' }));
    await worker.waitForLog('workers running', 20_000);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    expect(worker.stdout()).not.toContain('bot listening');
    const stopping = performance.now();
    worker.kill('SIGTERM');
    const exit = await worker.waitForExit(EXIT_MS);
    expect(performance.now() - stopping).toBeLessThan(10_000);
    expect(exit.code, worker.stderr()).toBe(0);
  });

  it('npm run worker, stopped the way docker stop with tini -g does: every process exits cleanly', async () => {
    const worker = spawnNpmScript('worker', botEnv());
    await worker.waitForLog('workers running', 20_000);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    // The signal reaches the node running main.ts itself: no tsx CLI in between to SIGKILL it when
    // it is busy for a moment at the wrong time.
    const commands = groupCommandLines(worker.child.pid ?? 0);
    expect(
      commands.filter((c) => /^\S*node --import tsx src\/main\.ts worker$/.test(c)),
      commands.join('\n'),
    ).toHaveLength(1);
    expect(commands.filter((c) => TSX_CLI.test(c))).toEqual([]);
    worker.kill('SIGTERM');
    await worker.waitForExit(EXIT_MS);
    await eventually(() => !worker.groupAlive(), 10_000);
    expect(worker.stdout()).toContain('"msg":"shutting down"');
    expect(worker.stderr()).not.toMatch(STACK_FRAME);
  });
});
