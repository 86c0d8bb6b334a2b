import type { Gate } from '../domain/gate.js';
import type { Run } from '../domain/run.js';
import { closedGateBlocks, gateText } from './blocks/gate-blocks.js';
import type { Notifier } from './notifier.js';

/**
 * Turns a gate's message into its closed form (decided, expired or superseded: the buttons go away).
 * Nothing to do for a gate whose message was never posted. Slack errors are the caller's to handle.
 */
export async function closeGateMessage(
  notifier: Pick<Notifier, 'update'>,
  gate: Gate,
  run: Run,
  note?: string,
  /** Why the gate was asked for and its chart: a decided gate keeps saying on what grounds. */
  extras?: { reason?: string | null; chart?: { fileId: string; altText: string } | null } | null,
): Promise<void> {
  if (!gate.messageTs) return;
  await notifier.update({
    channel: run.channel,
    ts: gate.messageTs,
    text: gateText(gate, run),
    blocks: closedGateBlocks(gate, run, note, extras?.reason, extras?.chart),
    // Buttons that no longer work should go away before progress bars are repainted.
    priority: 'urgent',
  });
}
