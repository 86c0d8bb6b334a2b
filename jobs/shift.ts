import { weightsForY } from '../src/domain/weights.js';
import { adaptersFor } from '../src/engine/adapters-for.js';
import { assertDataPlanesReady } from '../src/engine/check-data-planes.js';
import { assertNoDrift } from '../src/engine/check-drift.js';
import type { JobDefinition } from '../src/engine/job-definition.js';
import { AppError } from '../src/errors.js';
import { applyAndConfirm } from '../src/traffic/apply-and-confirm.js';

/**
 * Applies an approved traffic step. Runs once per gate (job id `gate.<id>`); a retry after a crash
 * finds the router already at the target and only confirms it, so no weight is applied twice.
 */
export const shiftJob: JobDefinition = {
  name: 'shift',
  phase: 'shifting',
  async run({ run, env, payload, deps, signal, log }) {
    const gate = payload.gateId ? await deps.store.gates.getGate(payload.gateId) : null;
    if (!gate || gate.runId !== run.id || gate.status !== 'approved' || gate.kind !== 'shift') {
      throw new AppError('E_INVALID_INPUT', 'this traffic step has no approved gate; nothing was applied', {
        details: { gateId: payload.gateId ?? null },
      });
    }
    const target = gate.targetWeight;
    const { x, y, router } = adaptersFor(env, log, deps.adapters);
    if (target > (run.appliedWeight ?? 0)) await assertNoDrift(run, { runs: deps.store.runs, x }, signal);
    // Hybrid mode: no increase while Y's data planes are missing, out of sync or incompatible.
    if (target > (run.appliedWeight ?? 0)) await assertDataPlanesReady(y, env.clusterY, signal);
    const current = await router.read(signal);
    if (current.y !== target) await applyAndConfirm(router, weightsForY(target), signal);
    return { type: 'weight_applied', weight: target };
  },
};
