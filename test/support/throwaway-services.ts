import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { stringify } from 'yaml';
import { type Composition, compose } from '../../src/app/compose.js';
import { createLogger } from '../../src/app/create-logger.js';
import { startBot } from '../../src/app/start-bot.js';
import { parseConfigText } from '../../src/config/load-config.js';
import type { JobDefinition } from '../../src/engine/job-definition.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import { createSlackRequester, type SlackRequester } from './slack-requests.js';
import { closedPort } from './spawn-bot.js';
import { SIGNING_SECRET } from './start-test-bot.js';
import { uniqueQueuePrefix } from './test-redis.js';

const run = promisify(execFile);
const PG_BIN = process.env.TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * Own PostgreSQL and Redis servers for outage tests: they are stopped, restarted and flushed while
 * the bot runs, which must never happen to the machine's shared instances (other test files use them).
 */
export interface ThrowawayPostgres {
  port: number;
  /** URL of a database on this server (trust auth, user postgres). */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown: clients are disconnected at once). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
}

/** As user postgres (the server refuses to run as root), when the tests run as root. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'kub-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const port = await closedPort();
  const exec = (cmd: string, args: string[]) => run(...asPostgres(join(PG_BIN, cmd), args));
  await exec('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const start = async () => {
    await exec('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  const stop = async () => {
    await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  await start();
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let destroyed = false;
  return {
    port,
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url() });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop,
    start,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ThrowawayRedis {
  port: number;
  url: string;
  /** FLUSHALL: every queue, job and lock is gone, as after a Redis that lost its data. */
  flushAll(): Promise<void>;
  /** SIGKILLs the server (no persistence: it comes back empty). */
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await closedPort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    );
    child = server;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      const ok = await client
        .connect()
        .then(() => client.ping())
        .then(
          () => true,
          () => false,
        );
      client.disconnect();
      if (ok) return;
      if (server.exitCode !== null || Date.now() > deadline)
        throw new Error(`redis-server on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const server = child;
    child = null;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url,
    async flushAll() {
      const client = new Redis(url);
      try {
        await client.flushall();
      } finally {
        client.disconnect();
      }
    },
    stop,
    start,
    destroy: stop,
  };
}

export interface ServiceBotOptions {
  config: Record<string, unknown>;
  databaseUrl: string;
  redisUrl: string;
  workers?: boolean;
  definitions?: readonly JobDefinition[];
  reconcileIntervalMs?: number;
  workerTimings?: { lockDurationMs?: number; stalledIntervalMs?: number };
}

export interface ServiceBot {
  composition: Composition;
  slack: FakeSlack;
  requester: SlackRequester;
  url: string;
  logs: string[];
  close(): Promise<void>;
}

/**
 * The real bot (and optionally its workers) in-process like `startTestBot`, but on the given
 * PostgreSQL and Redis URLs, so that a test can take those services away under it.
 */
export async function startBotOnServices(options: ServiceBotOptions): Promise<ServiceBot> {
  const slack = await startFakeSlack();
  const config = parseConfigText(stringify(options.config), {}, 'test-config.yaml');
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ level: 'debug', secrets: [SIGNING_SECRET, slack.botToken], destination: sink });
  const composition = await compose({
    config,
    log,
    databaseUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    slackToken: slack.botToken,
    slackApiUrl: slack.apiUrl,
    queuePrefix: uniqueQueuePrefix(),
    ...(options.definitions ? { definitions: options.definitions } : {}),
    ...(options.reconcileIntervalMs ? { reconcileIntervalMs: options.reconcileIntervalMs } : {}),
    ...(options.workerTimings ? { workerTimings: options.workerTimings } : {}),
  });
  const workers = options.workers ? composition.startWorkers(2) : null;
  const bot = await startBot({
    composition,
    slackToken: slack.botToken,
    slackApiUrl: slack.apiUrl,
    signingSecret: SIGNING_SECRET,
    port: 0,
  });
  const url = `http://127.0.0.1:${bot.port}`;
  const requester = createSlackRequester({
    botUrl: `${url}/slack/events`,
    signingSecret: SIGNING_SECRET,
    responseUrlFor: (ctx) => slack.responseUrl(undefined, ctx),
  });
  return {
    composition,
    slack,
    requester,
    url,
    logs,
    async close() {
      await bot.stop().catch(() => undefined);
      await workers?.close().catch(() => undefined);
      await composition.close().catch(() => undefined);
      await slack.close();
    },
  };
}
