import { describe, expect, it } from 'vitest';
import { withTimeout } from '../../src/with-timeout.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withTimeout', () => {
  it('aborts both signals at the deadline', async () => {
    const { signal, deadline } = withTimeout(10);
    expect(signal.aborted).toBe(false);
    await tick(40);
    expect(signal.aborted).toBe(true);
    expect(deadline.aborted).toBe(true);
  });

  it("follows the caller's cancellation without marking the deadline", () => {
    const ac = new AbortController();
    const { signal, deadline } = withTimeout(10_000, ac.signal);
    ac.abort(new Error('stop'));
    expect(signal.aborted).toBe(true);
    expect(deadline.aborted).toBe(false);
  });
});
