import type { Verdict } from './domain-event.js';
import type { Weights } from './weights.js';

/** Phases of a run (docs/architecture.md#phases). Order of the happy path matters for progress display. */
export const PHASES = [
  'preflight',
  'backup',
  'restore',
  'deploy',
  'verify',
  'awaiting_gate',
  'shifting',
  'observing',
  'completing',
  'completed',
  'rolling_back',
  'rolled_back',
  'failed',
  'aborted',
] as const;
export type Phase = (typeof PHASES)[number];

export const TERMINAL_PHASES: readonly Phase[] = ['completed', 'rolled_back', 'failed', 'aborted'];

export function isTerminal(phase: Phase): boolean {
  return TERMINAL_PHASES.includes(phase);
}

/** A run as stored in PostgreSQL (`runs`). Times are Date objects; weights are % to Y. */
export interface Run {
  id: string; // `<environment>-<n>`, e.g. prod-7
  environment: string;
  number: number;
  phase: Phase;
  paused: boolean;
  dryRun: boolean;
  requestedBy: string; // Slack user id
  channel: string;
  cardTs: string | null; // ts of the run card message
  threadTs: string | null; // thread under the run card (same as cardTs once posted)
  /** ts of the run's one live comparison message, updated in place every interval. */
  comparisonTs: string | null;
  fromVersion: string | null;
  toVersion: string | null;
  planSteps: number[]; // % to Y, ascending, last is 100
  /** % to Y that the router confirmed by read-back; null before any traffic step. */
  appliedWeight: number | null;
  /** Index into planSteps of the step currently applied; -1 before the first. */
  stepIndex: number;
  /** X's configuration fingerprint taken at the freeze (JSON, see src/kong/fingerprint.ts). */
  /**
   * Whether X's configuration fingerprint was taken at the freeze. The fingerprint itself is read only
   * where drift is checked (RunStore.getXFingerprint): with many consumers it runs to megabytes.
   */
  xFingerprinted: boolean;
  failureReason: string | null;
  /** Phase the run was in when it failed or was aborted. */
  failedPhase: Phase | null;
  createdAt: Date;
  updatedAt: Date;
  phaseStartedAt: Date;
  finishedAt: Date | null;
  version: number;
  /** When the router confirmed the current weight (database clock); null before the first step. */
  stepStartedAt: Date | null;
  /** A comparison failed since the current step began: no increase until the weight changes. */
  stepFailing: boolean;
  /** The newest comparison's verdict at the current step; null when none came yet. */
  lastVerdict: Verdict | null;
  /** The newest drift check found X's configuration changed during the freeze. */
  driftDetected: boolean;
  /** The approved gate whose traffic job (shift, rollback, complete) the run waits for. */
  inFlightGateId: string | null;
}

export function appliedWeights(run: Pick<Run, 'appliedWeight'>): Weights {
  const y = run.appliedWeight ?? 0;
  return { x: 100 - y, y };
}

/**
 * Whether a rollback may be asked for and approved: in any active phase but a rollback in progress,
 * and after an abort or a failure that left Y with traffic (the split is still live; only the bot's
 * rollback puts it back on X in the audited way).
 */
export function canRollBack(run: Pick<Run, 'phase' | 'appliedWeight'>): boolean {
  if (run.phase === 'rolling_back') return false;
  if (!isTerminal(run.phase)) return true;
  return (run.phase === 'aborted' || run.phase === 'failed') && (run.appliedWeight ?? 0) > 0;
}
