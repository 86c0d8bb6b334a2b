import { formatDuration } from '../src/domain/describe-run.js';
import { escapeMrkdwn } from '../src/domain/escape-mrkdwn.js';
import { adaptersFor } from '../src/engine/adapters-for.js';
import type { JobDefinition } from '../src/engine/job-definition.js';
import { postRunLines } from '../src/engine/post-thread-line.js';
import { AppError } from '../src/errors.js';
import { formatMs } from '../src/metrics/format-numbers.js';
import { slackTime } from '../src/slack/blocks/run-card-blocks.js';

/**
 * Kong's step 9: the run is done. Posts the summary (timeline, approvals, final comparison) and
 * announces the end of the write freeze; X can be decommissioned.
 */
export const completeJob: JobDefinition = {
  name: 'complete',
  phase: 'completing',
  async run({ run, env, deps, signal, log }) {
    // Completion means 100 %: the recorded weight and the router itself (read under its lock) agree.
    const { router } = adaptersFor(env, log, deps.adapters);
    const routed = await deps.store.routerLock.withLock(run.environment, () => router.read(signal), {
      signal,
    });
    if ((run.appliedWeight ?? 0) !== 100 || routed.y !== 100) {
      throw new AppError(
        'E_INVALID_INPUT',
        `Completion needs Y at 100 %, but the recorded split is Y ${run.appliedWeight ?? 0} % and the router reports Y ${routed.y} %.`,
        {
          details: {
            remedy:
              'Shift to 100 % (with its approval) first; the completion gate is offered again after it.',
          },
        },
      );
    }
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
        ? `X ${lastX.requests} requests, 5xx ${lastX.errors5xx}, p95 ${formatMs(lastX.p95)} · Y ${lastY.requests} requests, 5xx ${lastY.errors5xx}, p95 ${formatMs(lastY.p95)} (${(lastY.verdict ?? 'no verdict').replaceAll('_', ' ')})`
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
