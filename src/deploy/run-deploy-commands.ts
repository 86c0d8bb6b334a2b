import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { scrubSecrets } from '../scrub-secrets.js';
import { spawnCommand } from './spawn-command.js';

export interface DeployStepResult {
  argv: string[];
  /** null when the command did not exit by itself (timeout, abort, could not start). */
  exitCode: number | null;
  durationMs: number;
  /** Last lines of stdout+stderr, secrets replaced by `****`. */
  tail: string[];
}

export interface RunDeployCommandsOptions {
  /** argv arrays from the config, run in order, never through a shell. */
  commands: readonly (readonly string[])[];
  /** For all commands together. */
  timeoutMs: number;
  /** The children's complete environment (see deployChildEnv); KONG_PG_PASSWORD is scrubbed from output. */
  env: Record<string, string>;
  signal?: AbortSignal;
  /** More values to scrub from output and messages (tokens, webhook secrets…). */
  secrets?: readonly string[];
  /** Lines of output kept per command. Default 20. */
  tailLines?: number;
  /** Grace period between SIGTERM and SIGKILL. Default 5 s. */
  killAfterMs?: number;
  cwd?: string;
  onStepStart?: (index: number, argv: string[]) => void | Promise<void>;
  /** Called for every command that ran, the failed one included, before any error is thrown. */
  onStepEnd?: (index: number, step: DeployStepResult) => void | Promise<void>;
  /** Each output line as it arrives, scrubbed. */
  onOutput?: (line: string, index: number) => void;
  log?: Logger;
}

const MESSAGE_TAIL_LINES = 5;

function quoted(lines: readonly string[]): string {
  const last = lines.slice(-MESSAGE_TAIL_LINES);
  return last.length === 0 ? 'It printed nothing.' : `Last output:\n${last.join('\n')}`;
}

/**
 * Runs the configured deploy commands in order and stops at the first failure. Every command is
 * idempotent by contract (`kong migrations up/finish` do nothing when already done), so a retried job
 * simply runs them all again.
 */
export async function runDeployCommands(
  options: RunDeployCommandsOptions,
): Promise<{ steps: DeployStepResult[] }> {
  const secrets = [...(options.secrets ?? [])];
  if (options.env.KONG_PG_PASSWORD) secrets.push(options.env.KONG_PG_PASSWORD);
  const scrub = (text: string) => scrubSecrets(text, secrets);
  const tailLines = options.tailLines ?? 20;
  const deadline = Date.now() + options.timeoutMs;
  const timeoutS = Math.round(options.timeoutMs / 1000);
  const steps: DeployStepResult[] = [];

  for (const [index, argvIn] of options.commands.entries()) {
    const argv = [...argvIn];
    const shown = scrub(argv.join(' '));
    const where = `deploy.commands[${index}]`;
    await options.onStepStart?.(index, argv);
    options.log?.info(
      { step: index + 1, of: options.commands.length, command: shown },
      'deploy command started',
    );
    const tail: string[] = [];
    const started = Date.now();
    const result = await spawnCommand(argv, {
      env: options.env,
      deadline,
      killAfterMs: options.killAfterMs ?? 5000,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      onLine: (raw) => {
        const line = scrub(raw);
        tail.push(line);
        if (tail.length > tailLines) tail.shift();
        options.onOutput?.(line, index);
      },
    });
    const step: DeployStepResult = {
      argv,
      exitCode: result.exitCode,
      durationMs: Date.now() - started,
      tail,
    };
    const details = { command: shown, index, exitCode: result.exitCode, tail, completed: steps.length };
    if (result.spawnError) {
      const program = scrub(argv[0] ?? '');
      const notFound = result.spawnError.code === 'ENOENT';
      throw new AppError(
        'E_DEPLOY_FAILED',
        notFound
          ? `The deploy command "${program}" (${where}) was not found on the worker, so nothing ran.`
          : `The deploy command "${program}" (${where}) could not be started (${result.spawnError.code ?? result.spawnError.message}).`,
        {
          cause: result.spawnError,
          details: {
            ...details,
            remedy: notFound
              ? `Install ${program} on the machines that run the workers, or write its full path in ${where}.`
              : `Check that ${program} is an executable the worker's user may run.`,
          },
        },
      );
    }
    steps.push(step);
    await options.onStepEnd?.(index, step);
    options.log?.info(
      { step: index + 1, exitCode: result.exitCode, signal: result.exitSignal, durationMs: step.durationMs },
      'deploy command ended',
    );
    if (result.aborted) {
      throw new AppError(
        'E_DEPLOY_FAILED',
        `The deploy command "${shown}" was stopped because the job was cancelled.`,
        {
          retryable: true,
          cause: options.signal?.reason,
          details,
        },
      );
    }
    if (result.timedOut) {
      throw new AppError(
        'E_DEPLOY_TIMEOUT',
        `The deploy command "${shown}" was still running when the deploy timeout of ${timeoutS} s ran out, so it was stopped. ${quoted(tail)}`,
        {
          details: {
            ...details,
            remedy:
              'Read the output in the thread; if the command only needs longer, raise deploy.timeoutSeconds, then start a new run.',
          },
        },
      );
    }
    if (result.exitCode !== 0) {
      const ending =
        result.exitCode === null
          ? `was killed by ${result.exitSignal}`
          : `exited with code ${result.exitCode}`;
      throw new AppError('E_DEPLOY_FAILED', `The deploy command "${shown}" ${ending}. ${quoted(tail)}`, {
        details: {
          ...details,
          remedy:
            'Read the output in the thread, fix the cause on Y (the commands are safe to re-run), then start a new run.',
        },
      });
    }
  }
  return { steps };
}
