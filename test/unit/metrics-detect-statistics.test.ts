import { describe, expect, it } from 'vitest';
import { run } from '../../bench/detect-statistics.js';

describe('detect benchmark, statistical half', () => {
  it('never fails a healthy Y in 1,000 intervals and catches 3 % 5xx in the first', async () => {
    const result = await run();
    expect(result.details.healthyVerdicts).toMatchObject({ fail: 0 });
    expect(result.details.intervalsUntilFail).toBe(1);
    expect(result.ok).toBe(true);
  });
});
