import type { Logger } from 'pino';

/** Knobs shared by every router; the defaults suit production, tests shrink them. */
export interface RouterRuntimeOptions {
  log?: Logger;
  /** Per-attempt timeout of each outbound call or command, in ms (default 10 s). */
  timeoutMs?: number;
  /** Attempts for calls that are safe to repeat (default 3). */
  attempts?: number;
  /** First retry delay in ms; doubles per attempt (default 200). */
  backoffMs?: number;
}

export const DEFAULT_ROUTER_TIMEOUT_MS = 10_000;
