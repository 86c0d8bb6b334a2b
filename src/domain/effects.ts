import type { GateKind } from './gate.js';
import type { JobName } from './job-names.js';

/**
 * What a decision asks the outside world to do, as plain data. The executor carries these out
 * after the new state is committed, so a crash in between is repaired by re-deciding from the
 * stored phase (every effect is safe to repeat).
 */
export type Effect =
  | { type: 'post_card' }
  | { type: 'update_card' }
  /** `broadcast`: also shown in the channel (failures, rollbacks). */
  | { type: 'thread'; text: string; broadcast?: boolean }
  | { type: 'enqueue'; job: JobName; jobId: string; delayMs?: number; data?: Record<string, unknown> }
  | { type: 'cancel_jobs' }
  | { type: 'close_gates'; reason: string }
  | {
      type: 'request_gate';
      kind: GateKind;
      targetWeight: number;
      reason: string;
      /** Who asked (a user id), or absent when the bot asks by itself. */
      requestedBy?: string;
      /** Lines shown in the gate message above the buttons (comparison, freeze state). */
      details?: string[];
    };

export type EffectType = Effect['type'];
