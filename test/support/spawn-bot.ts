import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { groupAlive } from './process-group.js';

/** The repository root: main.ts is run from there, as `npm start` does. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BotExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from spawn to exit. */
  ms: number;
}

export interface SpawnedBot {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited (never rejects). */
  exited: Promise<BotExit>;
  /** The exit, or a rejection naming the output so far when it takes longer than `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<BotExit>;
  /** The first JSON log line (pino, stdout) whose msg is `message`, parsed; rejects on exit or timeout. */
  waitForLog(message: string, timeoutMs: number): Promise<Record<string, unknown>>;
  /** The port from the bot's `bot listening` log line (PORT=0 picks a free one). */
  waitForListening(timeoutMs: number): Promise<number>;
  /** Signals the child, or its whole process group for `spawnNpmScript`. */
  kill(signal: NodeJS.Signals): void;
  /** For `spawnNpmScript`: whether any process of its group still runs. */
  groupAlive(): boolean;
}

const spawned = new Set<SpawnedBot>();

/**
 * Runs the real entry point (`node --import tsx src/main.ts <mode>`) as a child process with exactly
 * the given environment plus PATH, stdio piped and collected. Every child is tracked so that
 * `killSpawnedBots()` in afterAll can end whatever a failed test left running.
 */
export function spawnBot(mode: string, env: Record<string, string>, args: string[] = []): SpawnedBot {
  return track(mode, spawnChild(process.execPath, ['--import', 'tsx', 'src/main.ts', mode, ...args], env));
}

/**
 * Runs `npm run <script>` as a container would, in a process group of its own (npm → sh →
 * node): `kill` signals the whole group, as `tini -g` does on `docker stop`.
 */
export function spawnNpmScript(script: string, env: Record<string, string>): SpawnedBot {
  const npm = spawnChild(
    'npm',
    ['run', '--silent', script],
    { HOME: process.env.HOME ?? '/tmp', ...env },
    true,
  );
  return track(`npm run ${script}`, npm, true);
}

function spawnChild(command: string, argv: string[], env: Record<string, string>, detached = false) {
  return spawn(command, argv, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
}

function track(mode: string, child: ChildProcess, group = false): SpawnedBot {
  const started = performance.now();
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<BotExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, ms: performance.now() - started }));
  });
  const describe = () => `\n--- stdout ---\n${out.slice(-4000)}\n--- stderr ---\n${err.slice(-4000)}`;

  const bot: SpawnedBot = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForExit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`main.ts ${mode} still running after ${timeoutMs} ms${describe()}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async waitForLog(message, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      let exit: BotExit | null = null;
      void exited.then((e) => {
        exit = e;
      });
      while (performance.now() < deadline) {
        const line = out.split('\n').find((l) => l.includes(`"msg":${JSON.stringify(message)}`));
        if (line) return JSON.parse(line) as Record<string, unknown>;
        if (exit)
          throw new Error(
            `main.ts ${mode} exited (${JSON.stringify(exit)}) before "${message}"${describe()}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`main.ts ${mode} did not log "${message}" within ${timeoutMs} ms${describe()}`);
    },
    async waitForListening(timeoutMs) {
      const { port } = await bot.waitForLog('bot listening', timeoutMs);
      if (typeof port !== 'number') throw new Error(`"bot listening" without a port${describe()}`);
      return port;
    },
    kill(signal) {
      if (group && child.pid !== undefined) {
        if (groupAlive(child.pid)) process.kill(-child.pid, signal);
      } else if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    groupAlive: () => child.pid !== undefined && groupAlive(child.pid),
  };
  spawned.add(bot);
  // A group stays tracked until its last process is gone, not just its leader.
  void exited.then(() => {
    if (!bot.groupAlive()) spawned.delete(bot);
  });
  return bot;
}

/** SIGKILLs every child still running and waits for them to be gone. */
export async function killSpawnedBots(): Promise<void> {
  const running = [...spawned];
  for (const bot of running) bot.kill('SIGKILL');
  await Promise.all(running.map((b) => b.exited));
  spawned.clear();
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Matches a JavaScript stack frame line such as `    at main (/app/src/main.ts:12:3)`. */
export const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
