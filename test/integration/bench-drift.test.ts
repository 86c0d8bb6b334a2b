import { describe, expect, it } from 'vitest';
import { run } from '../../bench/drift.js';

/** The drift-at-scale benchmark, small: CI proves it runs and measures; the full size is `npm run bench`. */
describe('drift at scale benchmark (small)', () => {
  it('times a drift check that never reads the Admin API, with RSS added and a COPY baseline', async () => {
    const result = await run({ rows: 5000 });
    expect(result.name).toBe('drift at scale');
    expect(result.details).toMatchObject({ entities: 5000 });
    expect(Number(result.details.oursMs)).toBeGreaterThan(0);
    expect(Number(result.details.copyBaselineMs)).toBeGreaterThan(0);
    expect(result.measured).toMatch(/^\d+\.\d\d s, \+[\d.]+ MB RSS$/);
    expect(result.ok).toBe(true);
  }, 60_000);
});
