import type { Gate } from '../domain/gate.js';
import type { Run } from '../domain/run.js';
import { isAppError } from '../errors.js';
import { gateBlocks, gateText } from '../slack/blocks/gate-blocks.js';
import { closeGateMessage } from '../slack/close-gate-message.js';
import type { EngineDeps } from './engine-deps.js';
import { postRunLines } from './post-thread-line.js';
import { renderGateChart, uploadGateChart } from './upload-gate-chart.js';

export interface GateMessageContext {
  reason: string;
  details?: string[];
  chart?: { fileId: string; altText: string };
}

/**
 * Posts a pending gate's message (buttons, the run's latest comparison, who can approve it)
 * to the run's thread, then the run's chart. At most once per gate, whoever calls: the step that asked
 * for the gate, or the reconciler when a crash came between the gate's commit and its message.
 * Returns false when there was nothing to post (already posted, or no longer pending).
 */
export async function postGateMessage(
  gate: Gate,
  context: GateMessageContext,
  deps: EngineDeps,
): Promise<boolean> {
  const posted = await deps.store.gates.recordGateMessageOnce(gate.id, (current, run) =>
    deps.notifier.post({
      channel: run.channel,
      threadTs: run.threadTs,
      text: gateText(current, run),
      blocks: gateBlocks(current, run, {
        reason: context.reason,
        ...(context.details ? { details: context.details } : {}),
        mention: approverMentions(deps),
        requiredGroups: deps.config.approvals.requiredGroups,
      }),
      // A gate goes before progress bars and live numbers when Slack makes the bot wait; a rollback
      // gate is also shown in the channel.
      priority: 'urgent',
      ...(current.kind === 'rollback' ? { broadcast: true } : {}),
    }),
  );
  if (!posted) return false;
  const { run } = posted;
  // The chart follows the gate without holding its caller: a rate-limited upload (files.* are paced
  // more tightly than messages) must not stall the reconciler, which also expires gates.
  if (deps.notifier.uploadImage) {
    void attachChart(posted.gate, run, deps).catch((err: Error) =>
      deps.log.warn({ runId: run.id, err: err.message }, 'gate chart could not be attached'),
    );
    return true;
  }
  void uploadGateChart(run, deps)
    .catch(async (err: Error) => {
      deps.log.warn({ runId: run.id, err: err.message }, 'gate chart upload failed');
      // Uploads need the bot in the channel; say so rather than leave the chart silently missing.
      if (isAppError(err) && err.details.code === 'not_in_channel')
        await postRunLines(
          run.id,
          [
            `The comparison chart could not be attached: the bot is not a member of <#${run.channel}>. Type \`/invite @kong-upgrade\` there to get charts at the next gate.`,
          ],
          deps,
        );
    })
    .catch(() => undefined);
  return true;
}

/**
 * The chart in the gate message itself: uploaded unshared (files.uploadV2 without a channel), recorded
 * as the gate's `gate.chart` event, then shown by updating the message (open or already closed).
 */
async function attachChart(gate: Gate, run: Run, deps: EngineDeps): Promise<void> {
  const chart = await renderGateChart(run, deps);
  if (!chart || !deps.notifier.uploadImage) return;
  const { fileId } = await deps.notifier.uploadImage({
    filename: chart.filename,
    title: chart.title,
    data: chart.png,
    altText: chart.altText,
  });
  await deps.store.events.appendEvent(run.id, {
    actor: 'bot',
    kind: 'gate.chart',
    phase: run.phase,
    details: { gateId: gate.id, fileId, altText: chart.altText.slice(0, 2000) },
  });
  // An open gate is redrawn with its chart (the refresh sends nothing once the gate is decided). A gate
  // decided before or during that gets its closed form, with the chart, sent last: the newest update wins.
  await refreshGateMessage(gate, (await deps.store.runs.getRun(run.id)) ?? run, deps);
  const after = await deps.store.gates.getGate(gate.id);
  if (!after || after.status === 'pending') return;
  const latest = (await deps.store.runs.getRun(run.id)) ?? run;
  await closeGateMessage(deps.notifier, after, latest, undefined, await gateExtras(after, deps));
}

/** What a gate's closed message keeps: the reason it was asked with and its chart. Never throws. */
export async function gateExtras(
  gate: Gate,
  deps: Pick<EngineDeps, 'store'>,
): Promise<{ reason: string | null; chart: { fileId: string; altText: string } | null }> {
  const [reason, chart] = await Promise.all([gateReason(gate, deps), gateChart(gate, deps)]);
  return { reason, chart };
}

async function gateChart(
  gate: Gate,
  deps: Pick<EngineDeps, 'store'>,
): Promise<{ fileId: string; altText: string } | null> {
  const event = await deps.store.events.findGateEvent(gate.runId, 'gate.chart', gate.id).catch(() => null);
  const fileId = event?.details.fileId;
  const altText = event?.details.altText;
  return typeof fileId === 'string'
    ? { fileId, altText: typeof altText === 'string' ? altText : 'chart' }
    : null;
}

/**
 * What the gate's message said when it was asked for, rebuilt from PostgreSQL: the reason from its
 * `gate.requested` event, the detail lines from the gate's stored comparison.
 */
export async function storedGateContext(
  gate: Gate,
  deps: Pick<EngineDeps, 'store'>,
): Promise<GateMessageContext> {
  const [requestedFor, chart] = await Promise.all([gateReason(gate, deps), gateChart(gate, deps)]);
  const reason = requestedFor ?? 'Approval needed.';
  const details = Array.isArray(gate.comparison)
    ? gate.comparison.filter((line): line is string => typeof line === 'string')
    : undefined;
  return { reason, ...(details && details.length > 0 ? { details } : {}), ...(chart ? { chart } : {}) };
}

/** Why the gate was asked for, from its `gate.requested` event (null when that is not found). */
export async function gateReason(gate: Gate, deps: Pick<EngineDeps, 'store'>): Promise<string | null> {
  // Never throws: a gate message is closed without its reason rather than left with live buttons.
  const requested = await deps.store.events
    .findGateEvent(gate.runId, 'gate.requested', gate.id)
    .catch(() => null);
  return typeof requested?.details.reason === 'string' ? requested.details.reason : null;
}

/** Every gate mentions who can approve it: each approver and approver group. */
export function approverMentions(deps: Pick<EngineDeps, 'config'>): string {
  const { approvers, approverGroups } = deps.config.approvals;
  return [...approvers.map((u) => `<@${u}>`), ...approverGroups.map((g) => `<!subteam^${g}>`)].join(' ');
}

/**
 * A pending gate's message redrawn after an approval was counted: same reason and details, plus who
 * approved so far and how many more are needed. Buttons stay until the gate is decided.
 */
export async function refreshGateMessage(
  gate: Gate,
  run: Run,
  deps: Pick<EngineDeps, 'store' | 'notifier' | 'config'>,
): Promise<void> {
  if (!gate.messageTs || gate.status !== 'pending') return;
  const [context, approvedBy] = await Promise.all([
    storedGateContext(gate, deps),
    deps.store.gates.approvalsOf(gate.id),
  ]);
  // Read last, just before the update: a decision that closed the gate meanwhile (the last approval,
  // a reject) has sent the closed form, and a refresh built from the older state must not follow it.
  const now = await deps.store.gates.getGate(gate.id);
  if (now?.status !== 'pending') return;
  await deps.notifier.update({
    channel: run.channel,
    ts: gate.messageTs,
    text: gateText(now, run),
    blocks: gateBlocks(now, run, {
      ...context,
      approvedBy,
      // Every gate keeps mentioning who can approve it, as when it was posted.
      mention: approverMentions(deps),
      requiredGroups: deps.config.approvals.requiredGroups,
    }),
  });
}
