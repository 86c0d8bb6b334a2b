import type { Logger } from 'pino';
import type { EnvironmentConfig } from '../config/config-schema.js';
import type { DriftItem, Verdict } from '../domain/domain-event.js';
import type { JobName } from '../domain/job-names.js';
import type { Phase, Run } from '../domain/run.js';
import type { JobPayload } from '../queue/job-payload.js';
import type { EngineDeps } from './engine-deps.js';
import type { ProgressReporter } from './progress-reporter.js';

export interface JobContext {
  run: Run;
  env: EnvironmentConfig;
  payload: JobPayload;
  deps: EngineDeps;
  /** Aborted when the run leaves the job's phase (abort, rollback) or the worker shuts down. */
  signal: AbortSignal;
  /**
   * Aborted only when the worker shuts down. A router write uses it: once sent, its fate must be known
   * before the router lock is let go, whatever the run does meanwhile (an abort or a rollback must not
   * read or write the router while an earlier write may still land).
   */
  shutdown: AbortSignal;
  log: Logger;
  progress: ProgressReporter;
}

/**
 * What a job reports; the runner turns it into a domain event for decide(). `afterDecision` runs once
 * the outcome has been decided (showing it in Slack, say): its failure is logged and changes nothing.
 */
export type JobOutcome = (
  | {
      type: 'succeeded';
      summary: string;
      details?: Record<string, unknown>;
      facts?: { fromVersion?: string; toVersion?: string; xFingerprint?: unknown };
    }
  | { type: 'weight_applied'; weight: number }
  /** What the router reports, read back outside a step (the recorded weight follows it). */
  | { type: 'weight_observed'; weight: number }
  /** A comparison of X and Y; decide() may propose a rollback or the next step. */
  | {
      type: 'comparison';
      verdict: Verdict;
      failing: string[];
      drift: DriftItem[] | null;
      rollbackPending: boolean;
      /** Hybrid mode: see the `comparison_made` event. */
      dataPlanes?: string[] | null;
      dataPlanesShown?: string[] | null;
    }
  /** Nothing for decide (e.g. a comparison that only updated its message). */
  | { type: 'done' }
) & { afterDecision?: () => Promise<void> };

export interface JobDefinition {
  name: JobName;
  /** The phase the run must be in for the job to do anything; null for jobs valid in any active phase. */
  phase: Phase | null;
  /** Runs after the run ended too (reading the router back after an abort). */
  afterEnd?: boolean;
  run(ctx: JobContext): Promise<JobOutcome>;
}
