/**
 * Traffic plans: the % to Y at each step. Shared by the config schema (`plan.steps`) and the
 * `--steps` command option, so both refuse the same plans with the same words.
 */
export const DEFAULT_PLAN_STEPS: readonly number[] = [5, 25, 50, 100];
export const MAX_PLAN_STEPS = 20;

/** Returns a plain-words problem with the plan, or null when it is usable. */
export function validatePlanSteps(steps: readonly number[]): string | null {
  if (steps.length === 0) return 'the plan has no steps: give at least one, ending with 100';
  if (steps.length > MAX_PLAN_STEPS) {
    return `the plan has ${steps.length} steps; at most ${MAX_PLAN_STEPS} are allowed`;
  }
  for (const step of steps) {
    if (!Number.isInteger(step) || step < 1 || step > 100) {
      return `every step must be a whole percent from 1 to 100, but ${String(step)} is not`;
    }
  }
  for (let i = 1; i < steps.length; i++) {
    const previous = steps[i - 1] as number;
    const current = steps[i] as number;
    if (current <= previous) {
      return `steps must go strictly up, but ${current} comes after ${previous}`;
    }
  }
  if (steps[steps.length - 1] !== 100) {
    return 'the last step must be 100, so that the run ends with all traffic on Y';
  }
  return null;
}

/**
 * Where the plan stands at a router-confirmed weight: the index of the last step at or below it
 * (-1 below the first). A decrease moves the position back; an off-plan weight sits between steps.
 */
export function planPosition(steps: readonly number[], weight: number | null): number {
  let index = -1;
  for (let i = 0; i < steps.length; i++) if ((steps[i] as number) <= (weight ?? 0)) index = i;
  return index;
}

/** The plan's next weight above the confirmed one; null at 100 % (what remains is completion). */
export function nextPlanWeight(steps: readonly number[], weight: number | null): number | null {
  if ((weight ?? 0) >= 100) return null;
  return steps.find((s) => s > (weight ?? 0)) ?? 100;
}
