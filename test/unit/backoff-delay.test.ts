import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, MAX_BACKOFF_MS } from '../../src/backoff-delay.js';

describe('backoffDelay', () => {
  it('doubles from the base, between half and all of the step', () => {
    for (let retry = 0; retry < 4; retry++) {
      const ceiling = 100 * 2 ** retry;
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(retry, 100);
        expect(d).toBeGreaterThanOrEqual(ceiling / 2);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('never exceeds the cap, nor goes negative, for any retry number and base', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 2000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (retry, base) => {
          const d = backoffDelay(retry, base);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(MAX_BACKOFF_MS);
          expect(Number.isFinite(d)).toBe(true);
        },
      ),
    );
    expect(backoffDelay(3, 100, 250)).toBeLessThanOrEqual(250);
  });

  it('spreads retries (jitter)', () => {
    const seen = new Set(Array.from({ length: 20 }, () => backoffDelay(2, 1000)));
    expect(seen.size).toBeGreaterThan(1);
  });
});
