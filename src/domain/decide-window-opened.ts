import type { ObservationPolicy } from './decide-observation.js';
import { type Decision, refuse } from './decision.js';
import { increaseBlockers } from './increase-blockers.js';
import type { Run } from './run.js';

/**
 * A change window opened over a run whose first step was held back by it (verify passed while the
 * window was closed): offer that step now, under the same rules as any increase. The caller sends this
 * only when the run has no pending gate.
 */
export function decideWindowOpened(run: Run, now: Date, policy: ObservationPolicy): Decision {
  if ((run.appliedWeight ?? 0) !== 0 || run.phase !== 'awaiting_gate') {
    return refuse(`${run.id} is not waiting for its first step.`);
  }
  const first = run.planSteps[0] ?? 100;
  const blockers = increaseBlockers(
    run,
    { kind: 'shift', weight: first },
    {
      now,
      observeSeconds: policy.observeSeconds,
      rollbackPending: policy.rollbackPending === true,
      window: policy.window,
    },
  );
  if (blockers.length > 0) return refuse(`The first step cannot be offered now: ${blockers.join('; ')}.`);
  return {
    ok: true,
    patch: {},
    events: [],
    effects: [
      {
        type: 'request_gate',
        kind: 'shift',
        targetWeight: first,
        reason: 'Y is verified and the change window is open',
      },
      { type: 'update_card' },
    ],
  };
}
