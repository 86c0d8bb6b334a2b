import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PLAN_STEPS, MAX_PLAN_STEPS, validatePlanSteps } from '../../src/domain/plan.js';

describe('validatePlanSteps', () => {
  it.each([
    [[5, 25, 50, 100]],
    [[100]],
    [[1, 2, 3, 100]],
    [Array.from({ length: 20 }, (_, i) => (i + 1) * 5)],
  ])('accepts %j', (steps) => {
    expect(validatePlanSteps(steps)).toBeNull();
  });

  it('accepts the default plan', () => {
    expect(validatePlanSteps(DEFAULT_PLAN_STEPS)).toBeNull();
  });

  it.each([
    [[], /no steps/],
    [[5, 25, 50], /last step must be 100/],
    [[5, 50, 25, 100], /strictly up, but 25 comes after 50/],
    [[5, 5, 100], /strictly up, but 5 comes after 5/],
    [[0, 100], /whole percent from 1 to 100, but 0/],
    [[5, 101], /but 101 is not/],
    [[2.5, 100], /but 2.5 is not/],
    [[-5, 100], /but -5/],
    [[Number.NaN, 100], /but NaN/],
    [Array.from({ length: 21 }, (_, i) => i + 80), /21 steps; at most 20/],
  ])('rejects %j', (steps, message) => {
    expect(validatePlanSteps(steps)).toMatch(message);
  });

  it('accepts exactly the strictly ascending integer plans of at most 20 steps ending at 100', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -10, max: 110 }), { maxLength: 25 }), (steps) => {
        const valid =
          steps.length >= 1 &&
          steps.length <= MAX_PLAN_STEPS &&
          steps.every((s, i) => s >= 1 && s <= 100 && (i === 0 || s > (steps[i - 1] as number))) &&
          steps[steps.length - 1] === 100;
        expect(validatePlanSteps(steps) === null).toBe(valid);
      }),
    );
  });
});
