import { describe, expect, it } from 'vitest';
import { run } from '../../bench/sequential-statistics.js';

describe('sequential benchmark (CI size)', () => {
  it('keeps healthy runs looked at every 5 s free of rollback gates, and catches 3 % 5xx within the first minute', async () => {
    const result = await run({ runs: 200, powerTrials: 40 });
    // 4 steps × 120 scrapes each; α = 0.01 over the whole run.
    expect(result.details.rate).toBeLessThanOrEqual(0.01);
    const seconds = result.details.secondsToDetect as { median: number; worst: number };
    expect(seconds.worst).toBeLessThanOrEqual(60);
    expect(seconds.median).toBeLessThan(60);
    expect(result.ok).toBe(true);
  });
});
