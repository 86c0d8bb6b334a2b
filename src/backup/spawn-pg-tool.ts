import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { baseChildEnv } from '../base-child-env.js';
import { readProcessEnv } from '../config/read-process-env.js';
import { killProcessGroup } from '../kill-process-group.js';

export interface SpawnPgToolOptions {
  command: string;
  args: string[];
  /** The tool's own settings (PGPASSWORD…), added to PATH, HOME, locale and TZ: nothing else is passed. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Called with every stderr line as it arrives (pg tools write --verbose output there). */
  onStderrLine?: (line: string) => void;
  /** Collect stdout (for `--list`); otherwise it is discarded. */
  captureStdout?: boolean;
  /** Lines of stderr kept for error messages. */
  tailLines?: number;
  /** Grace period between SIGTERM and SIGKILL on abort. */
  killAfterMs?: number;
}

export interface SpawnPgToolResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string[];
  stdout: string;
  aborted: boolean;
  /** Set when the binary could not be started at all (ENOENT, EACCES). */
  spawnError?: NodeJS.ErrnoException;
}

/**
 * Runs a PostgreSQL client tool without a shell. The child gets its own process group so that an
 * abort also stops pg_dump's parallel workers, not only the leader.
 */
export function spawnPgTool(options: SpawnPgToolOptions): Promise<SpawnPgToolResult> {
  const tailLimit = options.tailLines ?? 40;
  const tail: string[] = [];
  let stdout = '';
  let aborted = false;
  return new Promise((resolve) => {
    if (options.signal?.aborted) {
      resolve({ exitCode: null, signal: null, stderrTail: [], stdout: '', aborted: true });
      return;
    }
    const child = spawn(options.command, options.args, {
      // An allowlist: the bot's tokens are no business of pg_dump, and a stray PG* variable of the
      // worker would silently change where or how it connects.
      env: { ...baseChildEnv(readProcessEnv()), ...options.env },
      stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', 'pipe'],
      detached: true,
    });
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals): void => killProcessGroup(child, sig);
    const onAbort = (): void => {
      aborted = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), options.killAfterMs ?? 3000);
      killTimer.unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
    });
    if (child.stderr !== null) {
      const lines = createInterface({ input: child.stderr, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (line) => {
        tail.push(line);
        if (tail.length > tailLimit) tail.shift();
        options.onStderrLine?.(line);
      });
    }
    let settled = false;
    const finish = (result: Omit<SpawnPgToolResult, 'stderrTail' | 'stdout' | 'aborted'>): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer !== undefined) clearTimeout(killTimer);
      resolve({ ...result, stderrTail: tail, stdout, aborted });
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      finish({ exitCode: null, signal: null, spawnError: error });
    });
    // 'close' waits for stdio to end, so every stderr line has been seen.
    child.once('close', (exitCode, signal) => finish({ exitCode, signal }));
  });
}
