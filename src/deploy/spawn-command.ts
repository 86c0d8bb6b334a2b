import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { killProcessGroup } from '../kill-process-group.js';

export interface SpawnCommandOptions {
  /** The child's complete environment. */
  env: Record<string, string>;
  /** Absolute time (ms since epoch) at which the command is stopped. */
  deadline: number;
  signal?: AbortSignal;
  /** Grace period between SIGTERM and SIGKILL. */
  killAfterMs: number;
  /** Every output line (stdout and stderr, as they arrive), unscrubbed. */
  onLine: (line: string) => void;
  cwd?: string;
}

export interface SpawnCommandResult {
  exitCode: number | null;
  /** The signal that ended the process, if any. */
  exitSignal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  spawnError?: NodeJS.ErrnoException;
  pid?: number;
}

// After the leader exits, a grandchild outside the group could keep the pipes open for ever.
const STDIO_GRACE_MS = 2000;

/**
 * Runs one argv without a shell in its own process group, so that a timeout or an abort stops
 * everything the command started (helm, kubectl, kong's nginx workers), not only the leader.
 * Never throws: the caller decides what each ending means.
 */
export function spawnCommand(
  argv: readonly string[],
  options: SpawnCommandOptions,
): Promise<SpawnCommandResult> {
  const [program, ...args] = argv;
  return new Promise((resolve) => {
    if (program === undefined || program === '') {
      const spawnError: NodeJS.ErrnoException = Object.assign(new Error('empty command'), { code: 'EINVAL' });
      resolve({ exitCode: null, exitSignal: null, timedOut: false, aborted: false, spawnError });
      return;
    }
    if (options.signal?.aborted) {
      resolve({ exitCode: null, exitSignal: null, timedOut: false, aborted: true });
      return;
    }
    const child = spawn(program, args, {
      shell: false,
      detached: true,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let timedOut = false;
    let aborted = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals): void => killProcessGroup(child, sig);
    const stop = (): void => {
      killGroup('SIGTERM');
      killTimer ??= setTimeout(() => killGroup('SIGKILL'), options.killAfterMs);
    };
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    const deadlineTimer = setTimeout(
      () => {
        timedOut = true;
        stop();
      },
      Math.max(0, options.deadline - Date.now()),
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', options.onLine);
    }
    let settled = false;
    const finish = (spawnError?: NodeJS.ErrnoException): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadlineTimer);
      if (graceTimer) clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // A SIGKILL still pending is sent anyway if the leader left members of its group behind.
      if (killTimer) {
        clearTimeout(killTimer);
        killGroup('SIGKILL');
      }
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({
        exitCode,
        exitSignal,
        timedOut,
        aborted,
        ...(spawnError ? { spawnError } : {}),
        ...(child.pid !== undefined ? { pid: child.pid } : {}),
      });
    };
    child.once('error', (error: NodeJS.ErrnoException) => finish(error));
    child.once('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      graceTimer = setTimeout(() => finish(), STDIO_GRACE_MS);
    });
    // 'close' waits for the pipes to end, so every output line has been seen.
    child.once('close', () => finish());
  });
}
