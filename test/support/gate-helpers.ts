import type { Gate, GateKind } from '../../src/domain/gate.js';
import type { GateStore } from '../../src/store/gate-store.js';
import { eventually } from './eventually.js';
import type { SlackReply, SlackRequester } from './slack-requests.js';

/**
 * The run's pending gate of this kind (and target weight, when given), once its message is posted:
 * only then can a person click it.
 */
export function postedGate(
  gates: Pick<GateStore, 'pendingGates'>,
  runId: string,
  match: { kind?: GateKind; target?: number },
  timeoutMs = 30_000,
): Promise<Gate> {
  return eventually(async () => {
    const gate = (await gates.pendingGates(runId)).find(
      (g) =>
        (match.kind === undefined || g.kind === match.kind) &&
        (match.target === undefined || g.targetWeight === match.target),
    );
    return gate?.messageTs ? gate : null;
  }, timeoutMs);
}

/** A signed click on the gate message's button, as Slack sends it. */
export function clickGate(
  requester: SlackRequester,
  gate: Gate,
  click: { userId: string; channelId: string; actionId?: string; triggerId?: string },
): Promise<SlackReply> {
  return requester.clickButton({
    ...(click.triggerId ? { triggerId: click.triggerId } : {}),
    userId: click.userId,
    actionId: click.actionId ?? 'gate.approve',
    value: gate.id,
    messageTs: gate.messageTs ?? '',
    channelId: click.channelId,
  });
}
