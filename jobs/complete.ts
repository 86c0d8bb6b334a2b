import { formatDuration } from '../src/domain/describe-run.js';
import { escapeMrkdwn } from '../src/domain/escape-mrkdwn.js';
import type { JobDefinition } from '../src/engine/job-definition.js';
import { postRunLines } from '../src/engine/post-thread-line.js';
import { slackTime } from '../src/slack/blocks/run-card-blocks.js';

/**
 * Kong's step 9: the run is done. Posts the summary (timeline, approvals, final comparison) and
 * announces the end of the write freeze; X can be decommissioned.
 */
export const completeJob: JobDefinition = {
  name: 'complete',
  phase: 'completing',
  async run({ run, deps }) {
    const [events, gates, samples] = await Promise.all([
      deps.store.events.listEvents(run.id),
      deps.store.gates.listGates(run.id),
      deps.store.samples.listSamples(run.id),
    ]);
    const timeline = events
      .filter((e) => e.kind.endsWith('.succeeded') || e.kind === 'traffic.weight_applied')
      .map((e) => {
        const what =
          e.kind === 'traffic.weight_applied'
            ? `traffic → Y ${String(e.details.weight)} %`
            : e.kind.split('.')[1];
        return `• ${slackTime(e.at)} ${what}`;
      });
    const approvals = gates
      .filter((g) => g.status === 'approved' || g.status === 'rejected')
      .map(
        (g) =>
          `• ${g.kind}${g.kind === 'shift' ? ` ${g.targetWeight} %` : ''}: ${g.status} by <@${g.decidedBy}>`,
      );
    const lastY = [...samples].reverse().find((s) => s.cluster === 'y');
    const lastX = [...samples].reverse().find((s) => s.cluster === 'x');
    const final =
      lastX && lastY
        ? `X ${lastX.requests} requests, 5xx ${lastX.errors5xx}, p95 ${lastX.p95 ?? '–'} ms · Y ${lastY.requests} requests, 5xx ${lastY.errors5xx}, p95 ${lastY.p95 ?? '–'} ms (${lastY.verdict ?? 'no verdict'})`
        : 'no comparison windows were recorded';
    const took = formatDuration(deps.now().getTime() - run.createdAt.getTime());
    await postRunLines(
      run.id,
      [
        [
          `*${run.id} summary* (${took})`,
          `*Timeline*\n${timeline.join('\n') || '—'}`,
          `*Approvals*\n${approvals.join('\n') || '—'}`,
          `*Final comparison*: ${final}`,
        ].join('\n'),
      ],
      deps,
    );
    // The end of the freeze concerns everyone in the channel: a thread reply, broadcast.
    await postRunLines(
      run.id,
      [
        `:tada: Kong upgrade *${run.id}* is complete: ${run.environment} runs ${escapeMrkdwn(run.toVersion ?? 'the new version')} on cluster Y with 100 % of the traffic. *The write freeze on X has ended*; X can be decommissioned.`,
      ],
      deps,
      { broadcast: true },
    );
    return {
      type: 'succeeded',
      summary: `Upgrade complete in ${took}. The write freeze has ended.`,
      details: { approvals: approvals.length },
    };
  },
};
