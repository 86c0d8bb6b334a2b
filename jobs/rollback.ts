import { adaptersFor } from '../src/engine/adapters-for.js';
import type { JobDefinition } from '../src/engine/job-definition.js';
import { applyAndConfirm } from '../src/traffic/apply-and-confirm.js';

/** Sends 100 % to X after an approved rollback; confirmed by read-back before it is recorded. */
export const rollbackJob: JobDefinition = {
  name: 'rollback',
  phase: 'rolling_back',
  async run({ env, signal, log }) {
    const { router } = adaptersFor(env, log);
    const current = await router.read(signal);
    if (current.y !== 0) await applyAndConfirm(router, { x: 100, y: 0 }, signal);
    return { type: 'weight_applied', weight: 0 };
  },
};
