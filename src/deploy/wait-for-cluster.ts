import type { Logger } from 'pino';
import { AppError, asAppError } from '../errors.js';
import { sameVersion, tryParseKongVersion } from '../kong/compare-versions.js';
import type { KongAdmin } from '../kong/kong-admin.js';
import { sleep } from '../sleep.js';
import { withTimeout } from '../with-timeout.js';

/** What one poll saw. */
export type ClusterState =
  | { kind: 'unreachable'; error: string }
  | { kind: 'database_unreachable'; version?: string }
  | { kind: 'wrong_version'; version: string }
  | { kind: 'ready'; version: string };

export interface WaitForClusterOptions {
  admin: KongAdmin;
  expectedVersion: string;
  timeoutMs: number;
  /** Pause between polls. Default 2 s. */
  intervalMs?: number;
  signal?: AbortSignal;
  /** Called after every poll, e.g. to show progress. */
  onState?: (state: ClusterState) => void | Promise<void>;
  /** The cluster's name in messages. Default "Y". */
  label?: string;
  log?: Logger;
}

export interface WaitForClusterResult {
  version: string;
  polls: number;
  durationMs: number;
}

/** One line of plain words for a state, e.g. "Y answered version 3.4.2, expected 3.9.1". */
export function describeClusterState(state: ClusterState, expected: string, label = 'Y'): string {
  switch (state.kind) {
    case 'unreachable':
      return `${label}'s Admin API did not answer: ${state.error}`;
    case 'database_unreachable':
      return `${label} answered${state.version ? ` (version ${state.version})` : ''}, but reports its database as unreachable`;
    case 'wrong_version':
      return `${label} answered version ${state.version}, expected ${expected}`;
    case 'ready':
      return `${label} is healthy at version ${state.version}`;
  }
}

function versionMatches(actual: string, expected: string): boolean {
  // sameVersion ignores edition suffixes (3.4.3.12 vs 3.4.3.12-enterprise-edition); text equality is the fallback.
  if (tryParseKongVersion(actual) && tryParseKongVersion(expected)) return sameVersion(actual, expected);
  return actual.trim() === expected.trim();
}

async function poll(admin: KongAdmin, expected: string, signal: AbortSignal): Promise<ClusterState> {
  try {
    const status = await admin.status(signal);
    const info = await admin.info(signal);
    // No `database` block means DB-less mode: then Y is not using the database the restore filled.
    if (status.database?.reachable !== true) return { kind: 'database_unreachable', version: info.version };
    return versionMatches(info.version, expected)
      ? { kind: 'ready', version: info.version }
      : { kind: 'wrong_version', version: info.version };
  } catch (err) {
    return { kind: 'unreachable', error: asAppError(err).message };
  }
}

/**
 * Polls a cluster's Admin API until `GET /status` reports its database reachable and `GET /` reports
 * the expected version. On timeout, fails with E_DEPLOY_TIMEOUT naming the last state seen.
 */
export async function waitForCluster(options: WaitForClusterOptions): Promise<WaitForClusterResult> {
  const label = options.label ?? 'Y';
  const expected = options.expectedVersion;
  const intervalMs = options.intervalMs ?? 2000;
  const started = Date.now();
  const { signal, deadline } = withTimeout(options.timeoutMs, options.signal);
  let last: ClusterState | undefined;
  let polls = 0;
  for (;;) {
    if (options.signal?.aborted) {
      throw new AppError('E_DEPLOY_FAILED', `Waiting for ${label} to become healthy was cancelled.`, {
        retryable: true,
        cause: options.signal.reason,
      });
    }
    if (deadline.aborted && last) break;
    const state = await poll(options.admin, expected, signal);
    polls += 1;
    // A poll cut short by the deadline says nothing new; keep the state seen before it.
    if (!(deadline.aborted && state.kind === 'unreachable' && last)) last = state;
    options.log?.debug({ state, polls }, 'cluster poll');
    await options.onState?.(last);
    if (last.kind === 'ready') return { version: last.version, polls, durationMs: Date.now() - started };
    if (deadline.aborted) break;
    await sleep(intervalMs, signal).catch(() => undefined);
  }
  const seen: ClusterState = last ?? { kind: 'unreachable', error: 'no poll finished in time' };
  const seconds = Math.round(options.timeoutMs / 1000);
  // The state may quote an error that ends its own sentence; keep exactly one full stop.
  const lastText = describeClusterState(seen, expected, label).replace(/\.+$/, '');
  throw new AppError(
    'E_DEPLOY_TIMEOUT',
    `${label} was not healthy at version ${expected} within ${seconds} s. Last seen: ${lastText}.`,
    {
      details: {
        lastState: seen,
        polls,
        remedy: `Check ${label}'s nodes and logs: are they running the ${expected} image and pointed at the restored database? Fix it, then start a new run.`,
      },
    },
  );
}
