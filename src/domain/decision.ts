import type { Effect } from './effects.js';
import type { Run } from './run.js';
import type { NewRunEvent } from './run-event.js';

/** The fields of a run that a decision may change. */
export type RunPatch = Partial<
  Pick<
    Run,
    | 'phase'
    | 'paused'
    | 'appliedWeight'
    | 'stepIndex'
    | 'fromVersion'
    | 'toVersion'
    | 'failureReason'
    | 'failedPhase'
    | 'finishedAt'
    | 'stepStartedAt'
    | 'stepFailing'
    | 'lastVerdict'
    | 'driftDetected'
    | 'inFlightGateId'
  >
> & {
  /** X's configuration fingerprint taken at the freeze (stored beside the run, see Run.xFingerprinted). */
  xFingerprint?: unknown;
};

/**
 * Either the new state (as a patch), the audit events to write with it and the effects to carry
 * out after commit; or a refusal in plain words when the event does not apply to the run now
 * (nothing changes then: a stale or duplicate event is harmless).
 */
export type Decision =
  | { ok: true; patch: RunPatch; events: NewRunEvent[]; effects: Effect[] }
  | { ok: false; reason: string };

export function refuse(reason: string): Decision {
  return { ok: false, reason };
}
