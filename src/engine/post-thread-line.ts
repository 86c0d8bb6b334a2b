import type { OutboxLine } from '../store/thread-outbox.js';
import type { EngineDeps } from './engine-deps.js';
import { splitMrkdwn } from './post-to-thread.js';

/** Posts one claimed outbox line to its run's thread and marks it sent (or failed, for a later try). */
export async function postThreadLine(line: OutboxLine, deps: EngineDeps): Promise<void> {
  try {
    const run = await deps.store.runs.getRun(line.runId);
    if (!run) throw new Error(`run ${line.runId} is gone`);
    await deps.notifier.post({
      channel: run.channel,
      threadTs: run.threadTs,
      text: line.text,
      ...(line.broadcast ? { broadcast: true } : {}),
    });
  } catch (err) {
    await deps.store.outbox.markFailed(line.id, (err as Error).message).catch(() => undefined);
    throw err;
  }
  await deps.store.outbox.markSent(line.id);
}

/** Claims and posts the run's oldest unposted thread line; false when there was none to post. */
export async function postNextThreadLine(runId: string, deps: EngineDeps): Promise<boolean> {
  const line = await deps.store.outbox.claimNext(runId);
  if (!line) return false;
  await postThreadLine(line, deps);
  return true;
}

/** Lines one decision posts at most; a longer backlog is left to the reconciler. */
const MAX_LINES_PER_DRAIN = 50;

/**
 * Claims and posts the run's thread lines written before `before` that are still unposted (a dead
 * process left them behind), oldest first, so they come ahead of a decision's own messages. Lines
 * another poster holds are skipped. Returns how many were posted; a failed post stops here (the line
 * is released for a later try).
 */
export async function postPendingThreadLines(runId: string, deps: EngineDeps, before: Date): Promise<number> {
  let posted = 0;
  while (posted < MAX_LINES_PER_DRAIN) {
    const line = await deps.store.outbox.claimNext(runId, before);
    if (!line) break;
    await postThreadLine(line, deps);
    posted++;
  }
  return posted;
}

/** Lines one job posts at once; the rest is left to the next poster (or the reconciler). */
const MAX_LINES_PER_JOB_POST = 20;

/**
 * A job's messages for its run's thread (reports, tables, the completion announcement): stored in the
 * outbox first, then posted in order. A Slack failure never fails the job: what could not be posted
 * stays in the outbox and the reconciler posts it later. Long texts are split to Slack's limits.
 */
export async function postRunLines(
  runId: string,
  texts: readonly string[],
  deps: EngineDeps,
  options: { broadcast?: boolean } = {},
): Promise<void> {
  const lines = texts.flatMap((t) => splitMrkdwn(t)).map((text) => ({ text, broadcast: options.broadcast }));
  await deps.store.outbox.append(runId, lines);
  try {
    for (let i = 0; i < MAX_LINES_PER_JOB_POST; i++) if (!(await postNextThreadLine(runId, deps))) break;
  } catch (err) {
    deps.log.warn(
      { runId, err: (err as Error).message },
      'thread lines not posted now; they stay in the outbox for a later try',
    );
  }
}
