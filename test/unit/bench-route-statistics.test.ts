import { describe, expect, it } from 'vitest';
import { run } from '../../bench/route-statistics.js';

describe('route benchmark, statistical half (CI size)', () => {
  it('never fails a healthy Y over 50 uneven routes, and names a broken route in the first interval', async () => {
    const result = await run({ healthyIntervals: 1000, trials: 50 });
    expect(result.details.falseFails).toBe(0);
    expect(result.details.caughtInFirstInterval).toEqual({
      '404': '50/50',
      '500': '50/50',
      unmatched: '50/50',
    });
    expect(result.ok).toBe(true);
  });
});
