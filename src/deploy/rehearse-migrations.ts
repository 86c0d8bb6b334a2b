import type { Logger } from 'pino';
import type { RehearsalConfig } from '../config/environment-schema.js';
import { AppError, asAppError, isAppError } from '../errors.js';
import { largestTables, type MigrationState, readMigrationState, type TableSize } from './migration-state.js';
import { rehearsalChildEnv } from './rehearsal-child-env.js';
import { rehearsalDatabaseName } from './rehearsal-database-name.js';
import { type DeployStepResult, runDeployCommands } from './run-deploy-commands.js';
import { createScratchCopy } from './scratch-copy.js';
import { type MigrationTimeouts, suggestMigrationTimeouts } from './suggest-migration-timeouts.js';

export interface RehearseMigrationsOptions {
  rehearsal: RehearsalConfig;
  /** Y's database (restored, not yet migrated): copied, never changed. */
  databaseUrl: string;
  runId: string;
  /** The run's backup, restored into the copy when Y's database is in use. */
  backupDir?: string;
  jobs: number;
  /** The worker's environment; only the allowlisted part reaches the commands (rehearsalChildEnv). */
  baseEnv: Record<string, string | undefined>;
  /** `deploy.env`: names of further variables the commands may see. */
  envNames?: readonly string[];
  /** Values scrubbed from output and messages. */
  secrets?: readonly string[];
  signal?: AbortSignal;
  log?: Logger;
  binDir?: string;
  onPhase?: (label: string) => void | Promise<void>;
  /** Every command that ran, the failed one included, with its scrubbed output tail. */
  onStepEnd?: (index: number, step: DeployStepResult) => void | Promise<void>;
}

export interface RehearsalReport {
  database: string;
  method: 'template' | 'restore';
  copyMs: number;
  /** The rehearsal commands together. */
  durationMs: number;
  steps: { command: string; exitCode: number | null; durationMs: number }[];
  largestTables: TableSize[];
  before: MigrationState;
  after: MigrationState;
  /** Migrations the rehearsal executed, as `subsystem:name`. */
  ran: string[];
  suggested: MigrationTimeouts;
}

const NEVER_RERUN =
  'Never re-run a migration that timed out without first checking `kong migrations list` (or `kong migrations status`): a half-applied migration run twice can corrupt data (Kong #12978).';

/**
 * docs/contract.md#upgrade-paths-for-todays-kong: copies Y's restored database to a scratch database on the same server, runs the
 * rehearsal commands against the copy (its KONG_PG_* in their environment), measures them, and drops
 * the copy whatever happens. A failure or timeout throws E_REHEARSAL_FAILED / E_REHEARSAL_TIMEOUT
 * quoting the tool's last lines; Y's own database is never connected to by the commands.
 */
export async function rehearseMigrations(options: RehearseMigrationsOptions): Promise<RehearsalReport> {
  const { rehearsal, log } = options;
  const name = rehearsalDatabaseName(options.runId);
  await options.onPhase?.(`copying Y's database to ${name}`);
  const copy = await createScratchCopy({
    databaseUrl: options.databaseUrl,
    name,
    jobs: options.jobs,
    runId: options.runId,
    ...(options.backupDir ? { backupDir: options.backupDir } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(log ? { log } : {}),
    ...(options.binDir ? { binDir: options.binDir } : {}),
  });
  const steps: RehearsalReport['steps'] = [];
  let failure: unknown;
  let report: RehearsalReport | undefined;
  try {
    await options.onPhase?.(`measuring ${name}`);
    const before = await readMigrationState(copy.url);
    const tables = await largestTables(copy.url);
    await options.onPhase?.(`running the rehearsal on ${name}`);
    const started = Date.now();
    try {
      await runDeployCommands({
        commands: rehearsal.commands,
        timeoutMs: rehearsal.timeoutSeconds * 1000,
        env: rehearsalChildEnv(options.baseEnv, copy.url, options.envNames ?? []),
        secrets: options.secrets ?? [],
        ...(options.signal ? { signal: options.signal } : {}),
        ...(log ? { log } : {}),
        onStepEnd: async (index, step) => {
          steps.push({ command: step.argv.join(' '), exitCode: step.exitCode, durationMs: step.durationMs });
          await options.onStepEnd?.(index, step);
        },
      });
    } catch (error) {
      throw asRehearsalError(error, Date.now() - started, rehearsal.timeoutSeconds, steps);
    }
    const durationMs = Date.now() - started;
    const after = await readMigrationState(copy.url);
    const done = new Set(before.executed);
    report = {
      database: name,
      method: copy.method,
      copyMs: copy.copyMs,
      durationMs,
      steps,
      largestTables: tables,
      before,
      after,
      ran: after.executed.filter((m) => !done.has(m)),
      suggested: suggestMigrationTimeouts(steps.map((s) => s.durationMs)),
    };
  } catch (error) {
    failure = error;
  }
  const dropped = await copy.drop();
  if (!dropped.dropped) {
    log?.warn(
      { database: name, err: dropped.error },
      'could not drop the rehearsal copy; the reconciler will',
    );
  }
  if (failure !== undefined) throw failure;
  return report as RehearsalReport;
}

const LAST_LINES = 5;

function quote(tail: readonly string[]): string {
  const last = tail.slice(-LAST_LINES);
  return last.length === 0 ? 'It printed nothing.' : `Its last lines:\n${last.join('\n')}`;
}

function asRehearsalError(
  error: unknown,
  elapsedMs: number,
  timeoutSeconds: number,
  steps: RehearsalReport['steps'],
): AppError {
  const e = asAppError(error);
  if (!isAppError(error) || e.details.aborted === true || e.retryable) return e;
  const command = typeof e.details.command === 'string' ? e.details.command : 'a rehearsal command';
  const tail = Array.isArray(e.details.tail) ? (e.details.tail as string[]) : [];
  const seconds = (elapsedMs / 1000).toFixed(1);
  const suggested = suggestMigrationTimeouts([...steps.map((s) => s.durationMs), elapsedMs]);
  const untouched = "Y's database was not touched: the rehearsal ran on a scratch copy, which is dropped";
  if (e.code === 'E_DEPLOY_TIMEOUT') {
    return new AppError(
      'E_REHEARSAL_TIMEOUT',
      `The migration rehearsal timed out: "${command}" was still running on the scratch copy after ${timeoutSeconds} s (deploy.rehearsal.timeoutSeconds), so it was stopped. ${untouched}. ${quote(tail)}`,
      {
        cause: error,
        details: {
          command,
          tail,
          elapsedMs,
          remedy: `The real migration would likely take as long. Plan a longer window, raise deploy.timeoutSeconds and deploy.rehearsal.timeoutSeconds, and pass --db-timeout ${suggested.dbTimeoutSeconds} --lock-timeout ${suggested.lockTimeoutSeconds} (or more) to kong migrations; then start a new run. ${NEVER_RERUN}`,
        },
      },
    );
  }
  const exitCode = typeof e.details.exitCode === 'number' ? e.details.exitCode : null;
  const what =
    exitCode === null
      ? e.message
      : `"${command}" exited with code ${exitCode} on the scratch copy. ${quote(tail)}`;
  return new AppError(
    'E_REHEARSAL_FAILED',
    `The migration rehearsal failed after ${seconds} s (${untouched}) ${what}`,
    {
      cause: error,
      details: {
        command,
        tail,
        elapsedMs,
        remedy: `Y's real migration would fail the same way. Fix the cause shown above (on X's data, Y's plugins or the commands), then start a new run. ${NEVER_RERUN}`,
      },
    },
  );
}

export { NEVER_RERUN as NEVER_RERUN_WARNING };
