import { weightsForY } from '../src/domain/weights.js';
import { adaptersFor } from '../src/engine/adapters-for.js';
import { assertDataPlanesReady } from '../src/engine/check-data-planes.js';
import { assertNoDrift } from '../src/engine/check-drift.js';
import type { JobDefinition } from '../src/engine/job-definition.js';
import { xDigestCheckFor } from '../src/engine/x-digest-check.js';
import { AppError } from '../src/errors.js';
import { applyAndConfirm } from '../src/traffic/apply-and-confirm.js';
import { routerWriteSignal } from '../src/traffic/router-write-signal.js';

/**
 * Applies an approved traffic step. Runs once per gate (job id `gate.<id>`); a retry after a crash
 * finds the router already at the target and only confirms it, so no weight is applied twice. The
 * write happens under the environment's router lock, after checking (under that lock) that the run is
 * still carrying out this very gate: a rollback approved meanwhile wins, and this step writes nothing.
 */
export const shiftJob: JobDefinition = {
  name: 'shift',
  phase: 'shifting',
  async run({ run, env, payload, deps, signal, shutdown, log }) {
    const gate = payload.gateId ? await deps.store.gates.getGate(payload.gateId) : null;
    if (!gate || gate.runId !== run.id || gate.status !== 'approved' || gate.kind !== 'shift') {
      throw new AppError('E_INVALID_INPUT', 'this traffic step has no approved gate; nothing was applied', {
        details: { gateId: payload.gateId ?? null },
      });
    }
    const target = gate.targetWeight;
    const { x, y, router } = adaptersFor(env, log, deps.adapters);
    // Fails closed: no fingerprint, or X changed, means no increase (a decrease is always allowed).
    if (target > (run.appliedWeight ?? 0)) {
      const xDigests = xDigestCheckFor(env, deps);
      await assertNoDrift(run, { runs: deps.store.runs, x, xDigests }, signal);
      // Hybrid mode: no increase while Y's data planes are missing, out of sync or incompatible.
      await assertDataPlanesReady(y, env.clusterY, signal);
    }
    return deps.store.routerLock.withLock(
      run.environment,
      async () => {
        const write = routerWriteSignal(shutdown);
        const now = await deps.store.runs.getRun(run.id);
        if (now?.phase !== 'shifting' || (now.inFlightGateId !== null && now.inFlightGateId !== gate.id)) {
          log.info(
            { phase: now?.phase },
            'traffic step not applied: the run moved on before the router was free',
          );
          return { type: 'done' as const };
        }
        const current = await router.read(write);
        if (current.y !== target) await applyAndConfirm(router, weightsForY(target), write);
        return { type: 'weight_applied' as const, weight: target };
      },
      { signal: shutdown },
    );
  },
};
