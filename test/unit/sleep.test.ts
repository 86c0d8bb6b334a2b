import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/sleep.js';

describe('sleep', () => {
  it('waits about the time asked', async () => {
    const started = performance.now();
    await sleep(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('rejects with the reason at once when the signal aborts during the wait', async () => {
    const ac = new AbortController();
    const started = performance.now();
    const waiting = sleep(10_000, ac.signal);
    setTimeout(() => ac.abort(new Error('run moved on')), 10);
    await expect(waiting).rejects.toThrow('run moved on');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects without waiting when the signal already aborted', async () => {
    const reason = new Error('already cancelled');
    await expect(sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});
