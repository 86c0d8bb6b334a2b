import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.js';
import type { TestBot } from './start-test-bot.js';
import { TEST_REDIS_URL } from './test-redis.js';
import type { WorkerSpec } from './worker-process.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Output kept per child for failure messages: the tail is what explains an early exit. */
const KEEP_OUTPUT_CHARS = 200_000;

export interface WorkerChild {
  child: ChildProcess;
  exited: Promise<void>;
  /** What it printed (stdout and stderr, its last KEEP_OUTPUT_CHARS). */
  output(): string;
}

export interface WorkerChildren {
  /** A new worker process (test/support/worker-process.ts), resolved once it consumes jobs. */
  start(): Promise<WorkerChild>;
  /** kill -9: the process gets no chance to clean up. */
  kill(worker: WorkerChild): Promise<void>;
  /** SIGTERM: a graceful stop. */
  stop(worker: WorkerChild): Promise<void>;
  /** kill -9 of every child started, for afterAll. */
  killAll(): Promise<void>;
}

/**
 * The spec of worker children serving the same bot as `bot` (its database, queue prefix and Slack)
 * with short BullMQ lock timings, so a killed worker's job is taken over within seconds.
 */
export function workerSpecFor(
  bot: TestBot,
  config: Record<string, unknown>,
  timings: { lockDurationMs: number; stalledIntervalMs: number },
): WorkerSpec {
  return {
    config,
    databaseUrl: bot.database.url,
    redisUrl: TEST_REDIS_URL,
    queuePrefix: bot.queuePrefix,
    slackToken: bot.slack.botToken,
    slackApiUrl: bot.slack.apiUrl,
    ...timings,
  };
}

/** Worker processes a kill test starts, kills and replaces; `spec` is read at each start. */
export function workerChildren(spec: () => WorkerSpec): WorkerChildren {
  const children: WorkerChild[] = [];
  return {
    async start() {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
        cwd: REPO_ROOT,
        env: { ...process.env, WORKER_SPEC: JSON.stringify(spec()) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // stdout carries only the readiness line; the logs go to stderr.
      let stdout = '';
      let out = '';
      const keep = (d: string) => {
        out = (out + d).slice(-KEEP_OUTPUT_CHARS);
      };
      child.stdout?.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        keep(d);
      });
      child.stderr?.setEncoding('utf8').on('data', keep);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const worker = { child, exited, output: () => out };
      children.push(worker);
      await eventually(() => {
        if (child.exitCode !== null) throw new Error(`worker exited early:\n${out.slice(-3000)}`);
        return stdout.includes('worker ready');
      }, 30_000);
      return worker;
    },
    async kill(worker) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    },
    async stop(worker) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    },
    async killAll() {
      for (const w of children) w.child.kill('SIGKILL');
      await Promise.all(children.map((w) => w.exited));
    },
  };
}
