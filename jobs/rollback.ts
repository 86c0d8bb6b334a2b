import { adaptersFor } from '../src/engine/adapters-for.js';
import type { JobDefinition } from '../src/engine/job-definition.js';
import { applyAndConfirm } from '../src/traffic/apply-and-confirm.js';
import { routerWriteSignal } from '../src/traffic/router-write-signal.js';

/**
 * Sends 100 % to X after an approved rollback; confirmed by read-back before it is recorded. It takes
 * the environment's router lock like every router write, so a traffic step whose write is in flight is
 * answered first, and the rollback writes last.
 */
export const rollbackJob: JobDefinition = {
  name: 'rollback',
  phase: 'rolling_back',
  async run({ run, env, payload, deps, shutdown, log }) {
    const { router } = adaptersFor(env, log, deps.adapters);
    return deps.store.routerLock.withLock(
      run.environment,
      async () => {
        const write = routerWriteSignal(shutdown);
        const now = await deps.store.runs.getRun(run.id);
        if (
          now?.phase !== 'rolling_back' ||
          (now.inFlightGateId !== null &&
            payload.gateId !== undefined &&
            now.inFlightGateId !== payload.gateId)
        ) {
          return { type: 'done' as const };
        }
        const current = await router.read(write);
        if (current.y !== 0) await applyAndConfirm(router, { x: 100, y: 0 }, write);
        return { type: 'weight_applied' as const, weight: 0 };
      },
      { signal: shutdown },
    );
  },
};
