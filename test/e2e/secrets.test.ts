import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { JOB_DEFINITIONS } from '../../jobs/index.js';
import { type Composition, compose } from '../../src/app/compose.js';
import { createLogger } from '../../src/app/create-logger.js';
import { startBot } from '../../src/app/start-bot.js';
import { parseConfigText } from '../../src/config/load-config.js';
import { collectSecretValues } from '../../src/config/secrets.js';
import type { Gate } from '../../src/domain/gate.js';
import { type SeedSummary, seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { eventually } from '../support/eventually.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { type FakeWebhookRouter, startFakeWebhookRouter } from '../support/fake-webhook-router.js';
import { clickGate, postedGate } from '../support/gate-helpers.js';
import { startLoadLoop } from '../support/load-loop.js';
import { createSlackRequester, type SlackRequester } from '../support/slack-requests.js';
import { createTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from '../support/test-database.js';
import { TEST_REDIS_URL, uniqueQueuePrefix } from '../support/test-redis.js';

/**
 * Issue 8 (7): a whole upgrade (preflight → backup → restore → deploy → verify → approved shift →
 * rollback) with distinctive secrets everywhere the config can hold them; none may appear in any
 * Slack call (params, uploaded files) or any log line, as written or URL-encoded.
 */
const CHANNEL = 'C0SECRETS1';
const REQUESTER = 'U0REQ';
const APPROVER = 'U0APP';
const SIGNING_SECRET = 'signing-SECRET-c0ffee-9d8e7f';
const tag = randomBytes(3).toString('hex');

// Characters that must be percent-encoded in a URL, so both forms are checked.
const SECRETS = {
  xDbPassword: `Xpw#Zq81/k@9-${tag}`,
  yDbPassword: `Ypw:Rt55?m&2-${tag}`,
  adminToken: `kadm-TOKEN-5c1e9b-${tag}`,
  routerSecret: `rtr-SECRET-77ad0f-${tag}`,
  smokeApiKey: `apikey-SMOKE-3e9d1f-${tag}`,
};

/** Every (secret form, excerpt) found in the texts. */
function leaksIn(texts: readonly string[]): Array<{ secret: string; excerpt: string }> {
  const found: Array<{ secret: string; excerpt: string }> = [];
  for (const secret of [...Object.values(SECRETS), SIGNING_SECRET]) {
    for (const form of forms(secret)) {
      for (const text of texts) {
        const at = text.indexOf(form);
        if (at >= 0) found.push({ secret: form, excerpt: text.slice(Math.max(0, at - 120), at + 60) });
      }
    }
  }
  return found;
}

/** A `${NAME}` reference the config loader replaces from the environment. */
const ref = (name: string) => `\${${name}}`;

function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), encodeURIComponent(encodeURIComponent(secret))])];
}

async function createRole(name: string, password: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(`CREATE ROLE "${name}" LOGIN SUPERUSER PASSWORD '${password.replaceAll("'", "''")}'`);
  } finally {
    await c.end();
  }
}

async function dropRole(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(`DROP ROLE IF EXISTS "${name}"`);
  } finally {
    await c.end();
  }
}

function roleUrl(db: TestDatabase, role: string, password: string): string {
  const url = new URL(db.url);
  url.username = role;
  url.password = encodeURIComponent(password);
  return url.toString();
}

describe('secrets never reach Slack or the logs during a whole upgrade', () => {
  let xDb: TestDatabase;
  let yDb: TestDatabase;
  let botDb: TestDatabase;
  let x: SimulatedKongNode;
  let y: SimulatedKongNode;
  let router: FakeWebhookRouter;
  let slack: FakeSlack;
  let composition: Composition;
  let workers: { close(): Promise<void> };
  let bot: { stop(): Promise<void> };
  let requester: SlackRequester;
  let backupDir: string;
  let seed: SeedSummary;
  let load: { stop(): Promise<void> } | undefined;
  let secretValues: string[];
  const logs: string[] = [];
  const roles = { x: `kub_sx_${tag}`, y: `kub_sy_${tag}` };

  beforeAll(async () => {
    [xDb, yDb, botDb] = await Promise.all([
      createTestDatabase('kub_kongx'),
      createTestDatabase('kub_kongy'),
      createTestDatabase(),
    ]);
    await Promise.all([createRole(roles.x, SECRETS.xDbPassword), createRole(roles.y, SECRETS.yDbPassword)]);
    seed = await seedKongDatabase(xDb.url, {
      version: '3.4.2',
      services: 3,
      routesPerService: 2,
      consumers: 10,
      keysPerConsumer: 1,
      upstreams: 1,
      targetsPerUpstream: 2,
      regexRoutes: 1,
      rateLimiting: 'cluster',
      seed: 11,
      keys: [{ consumer: 'smoke', key: SECRETS.smokeApiKey }],
    });
    [x, y, router, slack] = await Promise.all([
      startSimulatedKongNode({ databaseUrl: xDb.url, version: '3.4.2', adminToken: SECRETS.adminToken }),
      startSimulatedKongNode({ databaseUrl: yDb.url, version: '3.9.1', adminToken: SECRETS.adminToken }),
      startFakeWebhookRouter(SECRETS.routerSecret),
      startFakeSlack(),
    ]);
    backupDir = await mkdtemp(join(tmpdir(), 'kub-secrets-'));
    const protectedPath = seed.fixtures.keyAuthProtected[0]?.path ?? '/';
    const env = {
      X_DATABASE_URL: roleUrl(xDb, roles.x, SECRETS.xDbPassword),
      Y_DATABASE_URL: roleUrl(yDb, roles.y, SECRETS.yDbPassword),
      KONG_ADMIN_TOKEN: SECRETS.adminToken,
      ROUTER_SECRET: SECRETS.routerSecret,
      SMOKE_APIKEY: SECRETS.smokeApiKey,
    };
    const config = parseConfigText(
      stringify({
        slack: { channel: CHANNEL },
        approvals: { approvers: [REQUESTER, APPROVER], fourEyes: true },
        environments: {
          prod: {
            clusterX: {
              adminUrl: x.adminUrl,
              adminToken: ref('KONG_ADMIN_TOKEN'),
              proxyUrl: x.proxyUrl,
              metricsUrl: x.metricsUrl,
              databaseUrl: ref('X_DATABASE_URL'),
            },
            clusterY: {
              adminUrl: y.adminUrl,
              adminToken: ref('KONG_ADMIN_TOKEN'),
              proxyUrl: y.proxyUrl,
              metricsUrl: y.metricsUrl,
              databaseUrl: ref('Y_DATABASE_URL'),
              version: '3.9.1',
            },
            backup: { dir: backupDir, jobs: 2 },
            // A careless deploy step that prints Kong's database settings, password included.
            deploy: {
              commands: [
                [
                  'node',
                  '-e',
                  'console.log("pg", process.env.KONG_PG_USER, process.env.KONG_PG_PASSWORD); console.error("url", process.argv[1])',
                  ref('Y_DATABASE_URL'),
                ],
              ],
              timeoutSeconds: 60,
            },
            traffic: { router: 'webhook', webhook: { url: router.url, secret: ref('ROUTER_SECRET') } },
            plan: { steps: [5, 25, 50, 100], observeSeconds: 0 },
            metrics: { source: 'kong', intervalSeconds: 1, thresholds: { minRequests: 20 } },
            smokeTests: [
              {
                name: 'key-auth rejects anonymous',
                request: { method: 'GET', path: protectedPath },
                expect: { status: 401 },
              },
              {
                name: 'key-auth accepts a valid key',
                request: { method: 'GET', path: protectedPath, headers: { apikey: ref('SMOKE_APIKEY') } },
                expect: { status: 200 },
              },
            ],
          },
        },
      }),
      env,
      'secrets-config.yaml',
    );
    // Logged as main.ts does: the scrubber knows every secret value of the config and the env.
    secretValues = collectSecretValues(config, {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
    });
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: 'debug', secrets: secretValues, destination: sink });
    const queuePrefix = uniqueQueuePrefix();
    composition = await compose({
      config,
      log,
      databaseUrl: botDb.url,
      redisUrl: TEST_REDIS_URL,
      slackToken: slack.botToken,
      slackApiUrl: slack.apiUrl,
      queuePrefix,
      definitions: JOB_DEFINITIONS,
    });
    workers = composition.startWorkers(2);
    const started = await startBot({
      composition,
      slackToken: slack.botToken,
      slackApiUrl: slack.apiUrl,
      signingSecret: SIGNING_SECRET,
      port: 0,
    });
    bot = started;
    requester = createSlackRequester({
      botUrl: `http://127.0.0.1:${started.port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      responseUrlFor: (ctx) => slack.responseUrl(undefined, ctx),
    });
    const open = seed.fixtures.open?.path ?? '/';
    load = startLoadLoop([`${x.proxyUrl}${open}`, `${y.proxyUrl}${open}`], 40);
  }, 120_000);

  afterAll(async () => {
    if (process.env.KUB_DUMP_LOGS) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(process.env.KUB_DUMP_LOGS, logs.join(''));
      writeFileSync(
        `${process.env.KUB_DUMP_LOGS}.slack`,
        slack
          .calls()
          .map((c) => `${c.method} ${JSON.stringify(c.params)}`)
          .join('\n'),
      );
    }
    await load?.stop();
    await bot?.stop().catch(() => undefined);
    await workers?.close().catch(() => undefined);
    await composition?.close().catch(() => undefined);
    await Promise.allSettled([x?.close(), y?.close(), router?.close(), slack?.close()]);
    await Promise.allSettled([xDb?.drop(), yDb?.drop(), botDb?.drop()]);
    await Promise.allSettled([dropRole(roles.x), dropRole(roles.y)]);
    await rm(backupDir, { recursive: true, force: true });
  });

  async function phase(expected: string, timeoutMs = 60_000) {
    return eventually(async () => {
      const run = await composition.store.runs.getRun('prod-1');
      if (run?.phase === 'failed') throw new Error(`run failed: ${JSON.stringify(run)}`);
      return run?.phase === expected && run;
    }, timeoutMs);
  }

  const pendingGate = (kind: Gate['kind']): Promise<Gate> =>
    postedGate(composition.store.gates, 'prod-1', { kind }, 60_000);

  const click = (gate: Gate, userId: string) => clickGate(requester, gate, { userId, channelId: CHANNEL });

  it('runs the whole upgrade: prepared Y, an approved shift, then an approved rollback', async () => {
    const reply = await requester.slashCommand({ text: 'start prod', userId: REQUESTER, channelId: CHANNEL });
    expect(reply.status).toBe(200);
    await click(await pendingGate('shift'), APPROVER);
    await eventually(
      async () => (await composition.store.runs.getRun('prod-1'))?.appliedWeight === 5,
      30_000,
    );
    expect(router.weights).toEqual({ x: 95, y: 5 });
    // Let a few comparisons run (they read both clusters' metrics with the admin token).
    await eventually(() =>
      slack.calls().some((c) => /X.*Y/s.test(String(c.params.text)) && c.method === 'chat.update'),
    );
    await requester.slashCommand({ text: 'rollback prod-1', userId: APPROVER, channelId: CHANNEL });
    await click(await pendingGate('rollback'), REQUESTER);
    const run = await phase('rolled_back');
    expect(run.appliedWeight).toBe(0);
    expect(router.weights).toEqual({ x: 100, y: 0 });
    const events = (await composition.store.events.listEvents('prod-1')).map((e) => e.kind);
    for (const kind of ['backup', 'restore', 'deploy', 'verify'].map((j) => `job.${j}.succeeded`))
      expect(events).toContain(kind);
    // The secrets were really used: the deploy step printed its (masked) password, and the router was signed.
    const thread = slack
      .thread(CHANNEL, run.threadTs ?? '')
      .map((m) => m.text)
      .join('\n');
    expect(thread).toMatch(/pg kub_sy_\w+ \*\*\*\*/);
    expect(router.requests.some((r) => r.method === 'POST')).toBe(true);
  }, 180_000);

  it('no secret appears in any Slack call, uploaded file or log line, in any encoding', () => {
    const everything = [
      ...slack.calls().map((c) => `${c.method} ${JSON.stringify(c.params)}`),
      ...slack.responses().map((r) => JSON.stringify(r.body)),
      ...slack
        .files()
        .map((f) => `${f.filename} ${f.title} ${f.initialComment} ${f.bytes?.toString('latin1') ?? ''}`),
    ];
    expect(slack.calls().length).toBeGreaterThan(20);
    expect(logs.length).toBeGreaterThan(50);
    expect(leaksIn(everything)).toEqual([]);
    expect(leaksIn(logs)).toEqual([]);
    // The check itself finds a secret in each encoding (a control, so a pass means something).
    for (const secret of Object.values(SECRETS))
      for (const form of forms(secret)) expect(leaksIn([`{"msg":"oops ${form}"}`])).toHaveLength(1);
    // The scrubber was told about the config's secrets (so a test that passes is not an accident).
    expect(secretValues).toEqual(expect.arrayContaining(Object.values(SECRETS)));
  });
});
