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
}

export function appliedWeights(run: Pick<Run, 'appliedWeight'>): Weights {
  const y = run.appliedWeight ?? 0;
  return { x: 100 - y, y };
}
