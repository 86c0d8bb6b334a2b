import { describe, expect, it } from 'vitest';
import { settleAll } from '../../src/metrics/settle-all.js';

describe('settleAll', () => {
  it('answers every value in order', async () => {
    await expect(settleAll([Promise.resolve(1), Promise.resolve('a')])).resolves.toEqual([1, 'a']);
  });

  it('throws the first failure only after the slower sibling has finished', async () => {
    let siblingDone = false;
    const slow = new Promise<number>((r) =>
      setTimeout(() => {
        siblingDone = true;
        r(2);
      }, 30),
    );
    await expect(settleAll([Promise.reject(new Error('boom')), slow])).rejects.toThrow('boom');
    expect(siblingDone).toBe(true);
  });
});
