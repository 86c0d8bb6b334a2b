import { jobIdFor } from '../../domain/job-names.js';
import { isTerminal } from '../../domain/run.js';
import type { RunRef } from '../parse-command.js';
import { type CommandDeps, type CommandInput, type CommandReply, ephemeral } from './command-context.js';
import { findTargetRun } from './find-target-run.js';

/** `/kong-upgrade compare [<run>]`: a one-off comparison job; the result is posted to the run's thread. */
export async function compareCommand(
  cmd: { run: RunRef | null },
  input: CommandInput,
  deps: CommandDeps,
): Promise<CommandReply> {
  const run = await findTargetRun(cmd.run, input, deps);
  if (!run || isTerminal(run.phase)) {
    return ephemeral(
      `${run ? `${run.id} has already ended` : cmd.run ? `There is no run ${cmd.run.id}` : 'No active run in this channel'}; nothing to compare.\nUsage: \`/kong-upgrade compare [<run>]\``,
    );
  }
  const stamp = deps.now().getTime();
  await deps.queue.enqueue({
    job: 'compare',
    jobId: jobIdFor(run.id, 'compare', `adhoc-${stamp}`),
    payload: { v: 1, runId: run.id, adhoc: true },
  });
  await deps.store.events.appendEvent(run.id, {
    actor: input.userId,
    kind: 'command.compare',
    phase: run.phase,
    details: {},
  });
  return ephemeral(`Comparing X and Y for ${run.id} now; the result appears in the run's thread.`);
}
