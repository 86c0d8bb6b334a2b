import type { RunPatch } from '../domain/decision.js';
import type { Run } from '../domain/run.js';
import type { NewRunEvent } from '../domain/run-event.js';
import { isAppError } from '../errors.js';
import type { EngineDeps } from './engine-deps.js';

/**
 * Records bookkeeping fields (message ts) that do not go through decide(): retried on a version
 * conflict, since a concurrent decision does not touch these fields.
 */
export async function patchRun(
  deps: Pick<EngineDeps, 'store'>,
  runId: string,
  patch: RunPatch & { cardTs?: string; threadTs?: string; comparisonTs?: string | null },
  events: NewRunEvent[] = [],
): Promise<Run | null> {
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const run = await deps.store.runs.getRun(runId);
    if (!run) return null;
    try {
      return await deps.store.runs.updateRun(run.id, run.version, patch, events);
    } catch (err) {
      if (!isAppError(err) || err.code !== 'E_STORE_CONFLICT') throw err;
    }
  }
  return null;
}
