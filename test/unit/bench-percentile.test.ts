import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile, summarizeLatencies } from '../../bench/support/percentile.js';

describe('percentile (nearest rank)', () => {
  it('p99 of 1..1000 is the 990th value, p50 the 500th, p100 the largest', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => 1000 - i); // unsorted on purpose
    expect(percentile(samples, 99)).toBe(990);
    expect(percentile(samples, 50)).toBe(500);
    expect(percentile(samples, 100)).toBe(1000);
    expect(percentile(samples, 0.1)).toBe(1);
  });

  it('small samples: p99 of 10 values is the largest, p50 of 4 values the second', () => {
    expect(percentile([5, 1, 9, 3, 7, 2, 8, 4, 6, 10], 99)).toBe(10);
    expect(percentile([40, 10, 30, 20], 50)).toBe(20);
    expect(percentile([42], 1)).toBe(42);
  });

  it('does not reorder the caller’s array', () => {
    const samples = [3, 1, 2];
    percentile(samples, 50);
    expect(samples).toEqual([3, 1, 2]);
  });

  it('refuses no samples and percentiles outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1, 2], 0)).toThrow(RangeError);
    expect(() => percentile([1, 2], 101)).toThrow(RangeError);
    expect(() => percentile([1, 2], Number.NaN)).toThrow(RangeError);
  });

  it('is always an observed sample, monotone in p, between min and max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        (samples, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const pLo = percentile(samples, lo);
          const pHi = percentile(samples, hi);
          expect(samples).toContain(pLo);
          expect(pLo).toBeLessThanOrEqual(pHi);
          expect(pHi).toBeLessThanOrEqual(Math.max(...samples));
          expect(pLo).toBeGreaterThanOrEqual(Math.min(...samples));
          // Nearest rank: at least p % of the samples are at or below it.
          expect(samples.filter((s) => s <= pLo).length / samples.length).toBeGreaterThanOrEqual(lo / 100);
        },
      ),
    );
  });
});

describe('summarizeLatencies', () => {
  it('gives count, p50/p95/p99, max and mean rounded to 0.01 ms', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1 + 0.123);
    expect(summarizeLatencies(samples)).toEqual({
      count: 100,
      p50: 50.12,
      p95: 95.12,
      p99: 99.12,
      max: 100.12,
      mean: 50.62,
    });
  });

  it('refuses an empty sample set instead of printing NaN', () => {
    expect(() => summarizeLatencies([])).toThrow(RangeError);
  });
});
