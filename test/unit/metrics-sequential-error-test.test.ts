import { describe, expect, it } from 'vitest';
import { binomial, prng } from '../../bench/support/simulate.js';
import { twoProportionTest } from '../../src/metrics/proportion-tests.js';
import {
  alphaPerStep,
  emptySequentialState,
  eValue,
  sequentialVerdict,
  updateSequential,
} from '../../src/metrics/sequential-error-test.js';

const ALPHA = 0.01;
const MARGIN = 0.005;

/** One step of a run looked at after every 5 s scrape: does it ever fail? */
function step(random: () => number, scrapes: number, ySkew: (i: number) => number, perScrape = 1000) {
  let state = emptySequentialState();
  let naiveFailed = false;
  for (let i = 0; i < scrapes; i++) {
    // Traffic and the base error rate move over time (load, upstream hiccups), the same for X and Y.
    const total = Math.round(perScrape * (1 + 0.4 * Math.sin(i / 7)));
    const base = 0.002 * (1 + 4 * (random() < 0.05 ? 1 : 0));
    const yRequests = binomial(random, total, 0.05);
    const xRequests = total - yRequests;
    state = updateSequential(state, {
      xRequests,
      xErrors: binomial(random, xRequests, base),
      yRequests,
      yErrors: binomial(random, yRequests, base * ySkew(i)),
    });
    if (sequentialVerdict(state, ALPHA, MARGIN).fail) return { failedAt: i, naiveFailed: true };
    // What peeking with a fixed-sample test would do: a z-test at α after every scrape.
    const naive = twoProportionTest(state.xErrors, state.xRequests, state.yErrors, state.yRequests);
    if (naive.pValue < ALPHA) naiveFailed = true;
  }
  return { failedAt: null, naiveFailed };
}

describe('sequential 5xx test (mixture SPRT on conditional error counts)', () => {
  it('keeps the chance of any false failure over a whole step below α when looked at every scrape', () => {
    const random = prng(17_2026);
    const runs = 2000;
    let failed = 0;
    let naive = 0;
    for (let r = 0; r < runs; r++) {
      const s = step(random, 120, () => 1);
      if (s.failedAt !== null) failed++;
      if (s.naiveFailed) naive++;
    }
    expect(failed / runs).toBeLessThanOrEqual(ALPHA);
    // Peeking with the fixed-sample test inflates its error well past α: why the sequential test exists.
    expect(naive / runs).toBeGreaterThan(2 * ALPHA);
  });

  it('is a supermartingale: its average e-value under the null stays at most 1', () => {
    const random = prng(7);
    let sum = 0;
    const runs = 4000;
    for (let r = 0; r < runs; r++) {
      let state = emptySequentialState();
      for (let i = 0; i < 5; i++) {
        const nY = 50;
        const nX = 950;
        state = updateSequential(state, {
          xRequests: nX,
          xErrors: binomial(random, nX, 0.01),
          yRequests: nY,
          yErrors: binomial(random, nY, 0.01),
        });
      }
      sum += eValue(state);
    }
    expect(sum / runs).toBeLessThan(1.15);
  });

  it('catches a gross failure (20 % 5xx on Y at 5 % of 600 req/s) within two 5 s scrapes', () => {
    const random = prng(99);
    const at: number[] = [];
    for (let trial = 0; trial < 200; trial++) at.push(step(random, 12, () => 100, 3000).failedAt ?? 99);
    expect(Math.max(...at)).toBeLessThanOrEqual(1);
    expect(at.filter((n) => n === 0).length).toBeGreaterThan(190);
  });

  it('catches 3 % 5xx on Y at 5 % traffic within a minute of scrapes', () => {
    const random = prng(3);
    const at: number[] = [];
    for (let trial = 0; trial < 50; trial++) at.push(step(random, 24, () => 15).failedAt ?? 99);
    expect(Math.max(...at)).toBeLessThan(12);
  });

  it('does not fail on a real but small rise within the margin', () => {
    let state = emptySequentialState();
    for (let i = 0; i < 200; i++)
      state = updateSequential(state, { xRequests: 19_000, xErrors: 38, yRequests: 1000, yErrors: 4 });
    const v = sequentialVerdict(state, ALPHA, MARGIN);
    expect(v.eValue).toBeGreaterThan(1 / ALPHA); // significant…
    expect(v.fail).toBe(false); // …but 0.4 % vs 0.2 % is within the 0.5 point margin
  });

  it('ignores increments without errors or without traffic on a side, and bad counts', () => {
    let state = emptySequentialState();
    state = updateSequential(state, { xRequests: 100, xErrors: 0, yRequests: 10, yErrors: 0 });
    state = updateSequential(state, { xRequests: 0, xErrors: 0, yRequests: 10, yErrors: 5 });
    state = updateSequential(state, { xRequests: -3, xErrors: Number.NaN, yRequests: 10, yErrors: 50 });
    expect(eValue(state)).toBe(1);
    expect(state.yErrors).toBe(15);
  });

  it('splits α over the steps of a run', () => {
    expect(alphaPerStep(0.01, 4)).toBe(0.0025);
    expect(alphaPerStep(0.01, 0)).toBe(0.01);
  });
});
