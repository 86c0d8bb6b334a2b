import { spawn } from 'node:child_process';
import { readProcessEnv } from '../config/read-process-env.js';

// The bot's own credentials: an nginx test or reload command has no business seeing them. The rest of
// the worker's environment stays (such commands may need KUBECONFIG, cloud credentials and the like).
const BOT_CREDENTIALS = [
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
];

function routerCommandEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(readProcessEnv())) {
    if (value !== undefined && !BOT_CREDENTIALS.includes(key)) env[key] = value;
  }
  return env;
}

export interface RunArgvResult {
  /** Exit code, or null when the process was killed (timeout, abort) or could not start. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the program could not be started at all (e.g. ENOENT). */
  spawnError?: Error;
}

export interface RunArgvOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Keep at most this many characters of each stream (the tail), so a chatty tool cannot eat memory. */
  maxOutputChars?: number;
}

/**
 * Runs one program with arguments, never through a shell (config values cannot inject commands).
 * Never throws: the caller turns the result into a typed error with its own advice.
 */
export function runArgv(argv: readonly string[], options: RunArgvOptions): Promise<RunArgvResult> {
  const [program, ...args] = argv;
  const max = options.maxOutputChars ?? 16_384;
  if (program === undefined || program === '') {
    return Promise.resolve({
      exitCode: null,
      stdout: '',
      stderr: '',
      timedOut: false,
      spawnError: new Error('empty command'),
    });
  }
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let spawnError: Error | undefined;
    const child = spawn(program, args, {
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: routerCommandEnv(),
    });
    const keepTail = (acc: string, chunk: Buffer): string => {
      const next = acc + chunk.toString('utf8');
      return next.length > max ? next.slice(next.length - max) : next;
    };
    child.stdout.on('data', (c: Buffer) => {
      stdout = keepTail(stdout, c);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr = keepTail(stderr, c);
    });
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    if (options.signal?.aborted) kill();
    else options.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      const result: RunArgvResult = { exitCode: code, stdout, stderr, timedOut };
      if (spawnError) result.spawnError = spawnError;
      resolve(result);
    });
  });
}

/** Last few lines of a tool's output, for error messages shown to people. */
export function outputTail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
