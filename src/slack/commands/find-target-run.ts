import type { Run } from '../../domain/run.js';
import type { RunStore } from '../../store/run-store.js';
import type { RunRef } from '../parse-command.js';
import type { CommandDeps, CommandInput } from './command-context.js';

export interface FindTargetRunDeps {
  store: { runs: Pick<RunStore, 'getRun' | 'newestActiveRunInChannel'> };
  config: CommandDeps['config'];
}

/**
 * The run a command is about: the one named, else the newest active run in this channel (the configured
 * channel when there is one, as all runs are posted there). Null when there is none.
 */
export function findTargetRun(
  ref: RunRef | null,
  input: CommandInput,
  deps: FindTargetRunDeps,
): Promise<Run | null> {
  return ref
    ? deps.store.runs.getRun(ref.id)
    : deps.store.runs.newestActiveRunInChannel(deps.config.slack?.channel ?? input.channelId);
}
