import type { Gate } from './gate.js';
import type { JobName } from './job-names.js';
import type { DecisionReason } from './reason-required.js';

/** Something that happened to a run; `decide` turns it into a new state and effects. */
export type DomainEvent =
  | { type: 'run_created'; actor: string }
  | {
      type: 'job_succeeded';
      job: JobName;
      /** One line for the thread, e.g. "Backup done: 41 tables, 1.2 GB, 38 s". */
      summary: string;
      details?: Record<string, unknown>;
      /** Facts the job learned that the run keeps. */
      facts?: { fromVersion?: string; toVersion?: string; xFingerprint?: unknown };
    }
  | {
      type: 'job_failed';
      job: JobName;
      code: string;
      message: string;
      remedy?: string;
      /** % to Y the router reported after a traffic job failed (a write may have landed part-way). */
      observedWeight?: number;
    }
  | { type: 'abort_requested'; actor: string }
  | { type: 'pause_requested'; actor: string }
  | { type: 'resume_requested'; actor: string }
  /** A traffic job's confirmed result; it counts only for the job and approved gate that produced it. */
  | { type: 'weight_applied'; actor: string; job: 'shift' | 'rollback'; weight: number; gateId?: string }
  /** What the router reports, read back outside a step (after an abort): the recorded weight follows it. */
  | { type: 'weight_observed'; actor: string; weight: number; reason: 'abort' }
  | {
      type: 'gate_decided';
      actor: string;
      gate: Gate;
      outcome: 'approved' | 'rejected';
      /** Given in the reason modal (`approvals.reasonRequired`); posted in the thread. */
      reason?: DecisionReason;
    }
  | { type: 'gate_expired'; gate: Gate }
  /** The change window opened over a run whose first step waited for it (see decideJob). */
  | { type: 'window_opened' }
  | { type: 'shift_requested'; actor: string; percent: number }
  | { type: 'rollback_requested'; actor: string }
  | {
      type: 'comparison_made';
      verdict: Verdict;
      /** Plain-words reasons of the failing rows, e.g. "5xx ratio on Y 3.1 % vs X 0.1 %". */
      failing: string[];
      /** X's configuration changes since the freeze; null when not checked this time. */
      drift: DriftItem[] | null;
      /** A pending rollback gate exists already (do not post another). */
      rollbackPending: boolean;
      /** Hybrid mode: Y's data-plane problems, one line per DP (empty: ready); null/absent: not checked. */
      dataPlanes?: string[] | null;
      /** The problems the thread shows already (the last report; null after a recovery), to post changes only. */
      dataPlanesShown?: string[] | null;
    };

export type Verdict = 'pass' | 'warn' | 'fail' | 'insufficient_data';

/** One entity of X's configuration that changed since the freeze. */
export interface DriftItem {
  type: string;
  id: string;
  name?: string;
  change: 'added' | 'removed' | 'changed';
  /** Enterprise: the workspace of the entity. */
  workspace?: string;
}

export type DomainEventType = DomainEvent['type'];
