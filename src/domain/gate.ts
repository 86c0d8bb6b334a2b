export const GATE_KINDS = ['shift', 'rollback', 'complete'] as const;
export type GateKind = (typeof GATE_KINDS)[number];

export const GATE_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'superseded'] as const;
export type GateStatus = (typeof GATE_STATUSES)[number];

/** An approval request (`gates`). */
export interface Gate {
  id: string; // uuid
  runId: string;
  kind: GateKind;
  /** % to Y that approving applies (rollback: 0; complete: 100). */
  targetWeight: number;
  status: GateStatus;
  requestedBy: string | null; // who asked (user id) or null when the bot asked by itself
  requestedAt: Date;
  expiresAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  messageTs: string | null;
  /** The comparison shown in the gate message, as stored data. */
  comparison: unknown;
  /** Distinct approvals it needs (approvals.minApprovals for increases and completion, else 1). */
  requiredApprovals: number;
}
