import { adaptersFor } from '../src/engine/adapters-for.js';
import type { JobDefinition } from '../src/engine/job-definition.js';

/**
 * After an abort: reads the split the router really has (under its lock, so a step's write in flight is
 * answered first) and records it, so the thread, the card and a later `rollback` see the truth.
 */
export const readbackJob: JobDefinition = {
  name: 'readback',
  phase: null,
  afterEnd: true,
  async run({ run, env, deps, signal, log }) {
    const { router } = adaptersFor(env, log, deps.adapters);
    const weights = await deps.store.routerLock.withLock(run.environment, () => router.read(signal));
    return { type: 'weight_observed', weight: weights.y };
  },
};
