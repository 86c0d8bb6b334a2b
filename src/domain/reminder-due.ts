import type { Gate } from './gate.js';

/**
 * Whether the approvers of a pending gate are to be mentioned again now: `reminderMinutes` (0: never)
 * before it expires, once (`alreadyReminded`), and only while it is still open.
 */
export function reminderDue(
  gate: Pick<Gate, 'status' | 'expiresAt' | 'messageTs' | 'requestedAt'>,
  now: Date,
  reminderMinutes: number,
  alreadyReminded: boolean,
): boolean {
  if (reminderMinutes <= 0 || alreadyReminded || gate.status !== 'pending' || !gate.messageTs) return false;
  // A gate that lives no longer than the reminder time was just announced: no second mention.
  if (gate.expiresAt.getTime() - gate.requestedAt.getTime() <= reminderMinutes * 60_000) return false;
  const left = gate.expiresAt.getTime() - now.getTime();
  return left > 0 && left <= reminderMinutes * 60_000;
}
