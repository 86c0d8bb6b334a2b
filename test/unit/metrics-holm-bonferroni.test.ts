import { describe, expect, it } from 'vitest';
import { holmBonferroni } from '../../src/metrics/holm-bonferroni.js';

describe('holmBonferroni', () => {
  it('steps down: alpha/m for the smallest, alpha/(m−1) for the next, and stops at the first miss', () => {
    // m = 4, α = 0.05: thresholds 0.0125, 0.0167, 0.025, 0.05.
    expect(holmBonferroni([0.01, 0.04, 0.015, 0.03], 0.05)).toEqual([true, false, true, false]);
    // 0.02 misses 0.0167, so 0.021 is not rejected either although it is below 0.025.
    expect(holmBonferroni([0.001, 0.02, 0.021, 0.9], 0.05)).toEqual([true, false, false, false]);
  });

  it('is stricter than testing each at alpha, and no stricter than Bonferroni', () => {
    const p = [0.004, 0.006, 0.008, 0.5, 0.7];
    // Bonferroni (α/5 = 0.002) rejects none; plain testing at 0.01 rejects three; Holm: none either,
    // as 0.004 > 0.002.
    expect(holmBonferroni(p, 0.01)).toEqual([false, false, false, false, false]);
    expect(holmBonferroni([0.0019, 0.0024, 0.0034, 0.5], 0.01)).toEqual([true, true, true, false]);
  });

  it('handles no tests and treats NaN as no evidence', () => {
    expect(holmBonferroni([], 0.01)).toEqual([]);
    expect(holmBonferroni([Number.NaN, 0.001], 0.01)).toEqual([false, true]);
  });
});
