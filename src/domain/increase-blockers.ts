import { describeClosedWindow, type WindowState } from './change-window-state.js';
import { formatDuration } from './describe-run.js';
import type { Run } from './run.js';

export interface IncreaseContext {
  /** The database clock (timestamps on the run come from it too). */
  now: Date;
  observeSeconds: number;
  /** A rollback gate of the run is open. */
  rollbackPending: boolean;
  /** The change windows at `now` (changeWindowState); unset: no windows configured. */
  window?: WindowState | undefined;
}

/**
 * Why Y may not get more traffic now, in plain words (empty: it may). One rule for every place that
 * moves toward Y: the plan's next gate, a manual `shift` upward, the click that approves either, and
 * completion. The first step needs a verified Y; every later one a whole observation period at the
 * current step with no failing comparison since it began, a passing (or warning) newest comparison,
 * and an X unchanged since the freeze (fail closed: no fingerprint, no increase). Every one also needs
 * an open change window.
 */
export function increaseBlockers(
  run: Run,
  target: { kind: 'shift' | 'complete'; weight: number },
  ctx: IncreaseContext,
): string[] {
  const blockers: string[] = [];
  const weight = run.appliedWeight ?? 0;
  if (!['awaiting_gate', 'observing'].includes(run.phase)) {
    blockers.push(
      run.phase === 'shifting'
        ? 'a traffic step is being applied right now'
        : run.phase === 'rolling_back'
          ? 'a rollback is in progress'
          : `${run.id} is not at a traffic step (${run.phase.replaceAll('_', ' ')})`,
    );
    return blockers;
  }
  if (run.paused) blockers.push(`${run.id} is paused`);
  if (ctx.rollbackPending) blockers.push('a rollback approval is open: decide it first');
  if (target.kind === 'complete' && weight !== 100) {
    blockers.push(`completion needs Y confirmed at 100 % by the router, and Y has ${weight} %`);
  }
  if (!run.dryRun && !run.xFingerprinted) {
    blockers.push("X's configuration fingerprint from the freeze is missing, so drift cannot be checked");
  }
  if (run.driftDetected) blockers.push("X's configuration changed during the write freeze");
  if (ctx.window && !ctx.window.open) blockers.push(describeClosedWindow(ctx.window));
  if (weight === 0) return blockers;
  const heldMs = run.stepStartedAt ? ctx.now.getTime() - run.stepStartedAt.getTime() : 0;
  if (heldMs < ctx.observeSeconds * 1000) {
    blockers.push(
      `Y has held ${weight} % for ${formatDuration(Math.max(0, heldMs))} of the ${formatDuration(ctx.observeSeconds * 1000)} observation period`,
    );
  }
  if (run.stepFailing) blockers.push(`a comparison failed since Y got ${weight} %`);
  else if (run.lastVerdict !== 'pass' && run.lastVerdict !== 'warn') {
    blockers.push(
      run.lastVerdict === 'insufficient_data'
        ? 'the newest comparison had too few requests to judge Y'
        : `no comparison has judged Y at ${weight} % yet`,
    );
  }
  return blockers;
}
