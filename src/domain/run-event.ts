import type { Phase } from './run.js';

/** One line of the append-only audit log (`run_events`). */
export interface RunEvent {
  id: number;
  runId: string;
  at: Date;
  /** Slack user id, or `bot`, or `job:<name>`. */
  actor: string;
  /** What happened, e.g. `command.start`, `gate.approved`, `gate.refused`, `job.backup.finished`. */
  kind: string;
  /** Phase of the run when it happened. */
  phase: Phase | null;
  details: Record<string, unknown>;
}

export type NewRunEvent = Omit<RunEvent, 'id' | 'at' | 'runId'> & { at?: Date };
