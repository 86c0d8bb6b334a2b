import type { Verdict } from './domain-event.js';
import type { Run } from './run.js';

/**
 * Whether a comparison with this verdict would offer the next step (or completion) if X were
 * unchanged: the run is observing, not paused, has observed for `observeSeconds`, and the verdict is
 * a pass or a warning (decideObservation's path to a step gate). Only then does X's drift decide
 * anything, so only then is it checked: not every interval.
 */
export function wouldOfferNextStep(
  run: Pick<Run, 'phase' | 'paused' | 'phaseStartedAt'> & Partial<Pick<Run, 'stepStartedAt' | 'stepFailing'>>,
  verdict: Verdict,
  now: Date,
  observeSeconds: number,
): boolean {
  return (
    run.phase === 'observing' &&
    !run.paused &&
    (verdict === 'pass' || verdict === 'warn') &&
    run.stepFailing !== true &&
    // The observation period runs from when the router confirmed the step (see increaseBlockers).
    now.getTime() - (run.stepStartedAt ?? run.phaseStartedAt).getTime() >= observeSeconds * 1000
  );
}
