import { adaptersFor } from '../src/engine/adapters-for.js';
import type { JobDefinition } from '../src/engine/job-definition.js';
import { routerWriteSignal } from '../src/traffic/router-write-signal.js';

/**
 * After an abort: reads the split the router really has (under its lock, so a step's write in flight is
 * answered first) and records it, so the thread, the card and a later `rollback` see the truth.
 */
export const readbackJob: JobDefinition = {
  name: 'readback',
  phase: null,
  afterEnd: true,
  async run({ run, env, deps, shutdown, log }) {
    const { router } = adaptersFor(env, log, deps.adapters);
    // Not the run's signal: the run has ended, and the read must come after a write in flight.
    const weights = await deps.store.routerLock.withLock(
      run.environment,
      () => router.read(routerWriteSignal(shutdown)),
      { signal: shutdown },
    );
    return { type: 'weight_observed', weight: weights.y };
  },
};
