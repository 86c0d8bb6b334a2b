import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDeployJob } from '../../jobs/deploy.js';
import type { EnvironmentConfig } from '../../src/config/environment-schema.js';
import type { EngineDeps } from '../../src/engine/engine-deps.js';
import type { JobContext } from '../../src/engine/job-definition.js';
import { createProgressReporter } from '../../src/engine/progress-reporter.js';
import { type AppError, isAppError } from '../../src/errors.js';
import { createKongSchema } from '../../src/sandbox/create-kong-schema.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import type { Notifier, SlackMessage } from '../../src/slack/notifier.js';
import { buildRun } from '../support/build-run.js';
import { minimalConfigObject, parseConfigObject, withConfigKey } from '../support/config-fixtures.js';
import { type FakeDeployWebhook, startFakeDeployWebhook } from '../support/fake-deploy-webhook.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const NODE = process.execPath;
const Y_DB_PASSWORD = 'y-db-Pa55word';
const WEBHOOK_SECRET = 'deploy-hook-secret';

/** Our own Notifier interface, recorded: posts and in-place updates, in order. */
function recordingNotifier() {
  const posts: SlackMessage[] = [];
  const updates: (SlackMessage & { ts: string })[] = [];
  const notifier: Notifier = {
    async post(m) {
      posts.push(m);
      return { ts: `1700000000.${String(posts.length).padStart(6, '0')}`, channel: m.channel };
    },
    async update(m) {
      updates.push(m);
    },
    async ephemeral() {},
    async upload() {},
  };
  return { notifier, posts, updates };
}

/** The deploy job touches neither the store nor the queue; any use fails the test loudly. */
function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      throw new Error(`the deploy job must not use ${name}.${String(prop)}`);
    },
  });
}

let db: TestDatabase;
let y: SimulatedKongNode;
let control: Server;
let controlUrl: string;
let hook: FakeDeployWebhook;

beforeAll(async () => {
  db = await createTestDatabase('kub_deploy_job');
  await createKongSchema(db.url, { version: '3.9.1' });
  y = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.4.2' });
  // What a real deploy does to Y, reachable from a child process: "restart Y on the new version".
  control = createServer((req, res) => {
    y.setVersion(new URL(req.url ?? '/', 'http://c').searchParams.get('version') ?? '0.0.0');
    res.end('ok');
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
  controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}/`;
  hook = await startFakeDeployWebhook(WEBHOOK_SECRET);
});

afterAll(async () => {
  await hook?.close();
  control?.close();
  await y?.close();
  await db?.drop();
});

beforeEach(() => {
  y.setVersion('3.4.2');
  hook.requests.length = 0;
  hook.onDeploy = undefined;
});

function yDatabaseUrl(): string {
  const url = new URL(db.url);
  url.password = Y_DB_PASSWORD;
  return url.toString();
}

function setup(deploy: unknown) {
  let config = withConfigKey(minimalConfigObject(), 'environments.prod.clusterY.adminUrl', y.adminUrl);
  config = withConfigKey(config, 'environments.prod.clusterY.databaseUrl', yDatabaseUrl());
  // The commands reach the control server through a variable deploy.env passes on.
  const named = (deploy as { commands?: unknown }).commands
    ? { ...(deploy as object), env: ['CONTROL_URL'] }
    : deploy;
  config = withConfigKey(config, 'environments.prod.deploy', named);
  const botConfig = parseConfigObject(config);
  const env = botConfig.environments.prod as EnvironmentConfig;
  const { notifier, posts, updates } = recordingNotifier();
  const run = buildRun({ phase: 'deploy', channel: 'C0DEPLOY', threadTs: '1700000000.000100' });
  const deps: EngineDeps = {
    store: unused('store'),
    leases: unused('leases'),
    queue: unused('queue'),
    notifier,
    config: botConfig,
    log: pino({ level: 'silent' }),
    now: () => new Date(),
  };
  const controller = new AbortController();
  const ctx: JobContext = {
    run,
    env,
    payload: { v: 1, runId: run.id },
    deps,
    signal: controller.signal,
    shutdown: new AbortController().signal,
    log: deps.log,
    progress: createProgressReporter({
      notifier,
      channel: run.channel,
      threadTs: run.threadTs,
      title: 'Deploy',
    }),
  };
  return { ctx, posts, updates, controller };
}

const job = createDeployJob({
  pollIntervalMs: 100,
  minWaitMs: 1500,
  adminTimeoutMs: 1000,
  baseEnv: () => ({ PATH: `${dirname(NODE)}:/usr/bin:/bin`, CONTROL_URL: controlUrl }),
});

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected the job to fail');
}

describe('deploy job', () => {
  it('runs the commands with Y connection settings, posts each tail, waits for Y at the target version', async () => {
    const { ctx, posts, updates } = setup({
      commands: [
        [
          NODE,
          '-e',
          'console.log("migrating " + process.env.KONG_PG_DATABASE + " pw " + process.env.KONG_PG_PASSWORD)',
        ],
        [
          NODE,
          '-e',
          'fetch(process.env.CONTROL_URL + "?version=3.9.1").then(() => console.log("Y restarted"))',
        ],
      ],
      timeoutSeconds: 30,
    });
    const outcome = await job.run(ctx);
    expect(outcome.type).toBe('succeeded');
    if (outcome.type !== 'succeeded') return;
    expect(outcome.summary).toMatch(/^Y is deployed: 3\.9\.1, healthy \(2 commands, \d+ s\)$/);
    expect(outcome.details).toMatchObject({ mode: '2 commands', version: '3.9.1' });

    const texts = posts.map((p) => p.text);
    const outputs = texts.filter((t) => t.includes('Deploy 1/2') || t.includes('Deploy 2/2'));
    expect(outputs).toHaveLength(2);
    expect(outputs[0]).toContain(`migrating ${db.name} pw ****`);
    expect(outputs[0]).toContain('```');
    expect(outputs[1]).toContain('Y restarted');
    for (const p of posts) {
      expect(p.channel).toBe('C0DEPLOY');
      expect(p.threadTs).toBe('1700000000.000100');
    }
    const everything = JSON.stringify({ posts, updates, outcome });
    expect(everything).not.toContain(Y_DB_PASSWORD);

    // One progress message, updated in place: steps, then the wait, then done.
    const progress = [...texts.filter((t) => t.startsWith('Deploy:')), ...updates.map((u) => u.text)];
    expect(progress[0]).toContain('step 1 of 2');
    expect(progress.some((t) => t.includes('step 2 of 2'))).toBe(true);
    expect(progress.at(-1)).toContain('Y is healthy at 3.9.1');
  });

  it('a failing command fails the job with its output in the thread, and Y is not waited for', async () => {
    const { ctx, posts } = setup({
      commands: [
        [
          NODE,
          '-e',
          'console.error("Database has pending migrations; run kong migrations finish"); process.exit(4)',
        ],
        [NODE, '-e', 'fetch(process.env.CONTROL_URL + "?version=3.9.1")'],
      ],
      timeoutSeconds: 30,
    });
    const err = await failure(job.run(ctx));
    expect(err.code).toBe('E_DEPLOY_FAILED');
    expect(err.retryable).toBe(false);
    expect(typeof err.details.remedy).toBe('string');
    const output = posts.find((p) => p.text.includes('Deploy 1/2'));
    expect(output?.text).toContain('❌');
    expect(output?.text).toContain('exit 4');
    expect(output?.text).toContain('Database has pending migrations');
    expect(posts.some((p) => p.text.includes('Deploy 2/2'))).toBe(false);
    // The second command (which would "restart" Y) never ran.
    const root = (await (await fetch(`${y.adminUrl}/`)).json()) as { version: string };
    expect(root.version).toBe('3.4.2');
  });

  it('calls the signed webhook instead when configured, then waits for Y', async () => {
    hook.onDeploy = () => setTimeout(() => y.setVersion('3.9.1'), 300);
    const { ctx, posts } = setup({ webhook: { url: hook.url, secret: WEBHOOK_SECRET }, timeoutSeconds: 30 });
    const outcome = await job.run(ctx);
    expect(outcome.type === 'succeeded' && outcome.summary).toMatch(
      /^Y is deployed: 3\.9\.1, healthy \(webhook, \d+ s\)$/,
    );
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]?.signatureValid).toBe(true);
    expect(JSON.parse(hook.requests[0]?.body ?? '{}')).toMatchObject({
      run: 'prod-7',
      environment: 'prod',
      targetVersion: '3.9.1',
      clusterY: { adminUrl: y.adminUrl },
    });
    expect(hook.requests[0]?.body).not.toContain(Y_DB_PASSWORD);
    expect(posts.some((p) => p.text.includes('Deploy webhook answered HTTP 202'))).toBe(true);
  });

  it('fails with E_DEPLOY_TIMEOUT and the last version seen when Y never reaches the target', async () => {
    const { ctx, updates, posts } = setup({
      commands: [[NODE, '-e', 'console.log("nothing changes")']],
      timeoutSeconds: 1,
    });
    const started = Date.now();
    const err = await failure(job.run(ctx));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err.code).toBe('E_DEPLOY_TIMEOUT');
    expect(err.message).toContain('Last seen: Y answered version 3.4.2, expected 3.9.1');
    const progress = [...posts.map((p) => p.text), ...updates.map((u) => u.text)];
    expect(progress.some((t) => t.includes('waiting for Y: Y answered version 3.4.2, expected 3.9.1'))).toBe(
      true,
    );
  });

  it('stops when the run moves on (abort)', async () => {
    const { ctx, controller } = setup({ commands: [['sleep', '30']], timeoutSeconds: 60 });
    setTimeout(() => controller.abort(new Error('run moved to aborted')), 200);
    const started = Date.now();
    const err = await failure(job.run(ctx));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err.message).toContain('cancelled');
  });

  it('is registered as the deploy job of the deploy phase', () => {
    expect(job.name).toBe('deploy');
    expect(job.phase).toBe('deploy');
  });
});
