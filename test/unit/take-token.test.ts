import { describe, expect, it } from 'vitest';
import { mayOperate, takeToken } from '../../src/domain/take-token.js';

const policy = { burst: 3, refillMs: 10_000 };

describe('takeToken', () => {
  it('allows a burst, refuses the next with when to try again, and refills over time', () => {
    let bucket: Parameters<typeof takeToken>[0];
    const results: boolean[] = [];
    for (let i = 0; i < 4; i += 1) {
      const r = takeToken(bucket, 1000, policy);
      bucket = r.bucket;
      results.push(r.allowed);
    }
    expect(results).toEqual([true, true, true, false]);
    expect(takeToken(bucket, 1000, policy).retryAfterMs).toBe(10_000);
    expect(takeToken(bucket, 6000, policy)).toMatchObject({ allowed: false, retryAfterMs: 5000 });
    expect(takeToken(bucket, 11_000, policy).allowed).toBe(true);
    // Never more than the burst, however long one waited.
    expect(takeToken({ tokens: 0, at: 0 }, 1e9, policy).bucket.tokens).toBe(2);
  });
});

describe('mayOperate', () => {
  const rules = { operators: ['U0OP'], operatorGroups: ['S0OPS'] };
  it.each([
    ['no operators configured: anyone', 'U0ANY', { operators: [], operatorGroups: [] }, false, false, true],
    ['a listed operator', 'U0OP', rules, false, false, true],
    ['a member of an operator group', 'U0ANY', rules, true, false, true],
    ['an approver', 'U0APP', rules, false, true, true],
    ['anyone else', 'U0ANY', rules, false, false, false],
  ] as const)('%s', (_name, user, r, inOperatorGroup, isApprover, expected) => {
    expect(mayOperate(user, r, { inOperatorGroup, isApprover })).toBe(expected);
  });
});
