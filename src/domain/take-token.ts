/** One user's allowance for costly commands: a token bucket. */
export interface TokenBucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

export interface BucketPolicy {
  /** Commands a user may send at once. */
  burst: number;
  /** How long one used command takes to come back. */
  refillMs: number;
}

/**
 * Whether one more command may run now, the bucket after it, and when to try again when not. Pure,
 * so the rule is tested without waiting; the caller keeps the buckets.
 */
export function takeToken(
  bucket: TokenBucket | undefined,
  now: number,
  policy: BucketPolicy,
): { allowed: boolean; bucket: TokenBucket; retryAfterMs: number } {
  const elapsed = bucket ? Math.max(0, now - bucket.at) : 0;
  const tokens = bucket ? Math.min(policy.burst, bucket.tokens + elapsed / policy.refillMs) : policy.burst;
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, at: now }, retryAfterMs: 0 };
  return {
    allowed: false,
    bucket: { tokens, at: now },
    retryAfterMs: Math.ceil((1 - tokens) * policy.refillMs),
  };
}

/** Who may start runs and ask for steps: anyone when no operators are configured. */
export function mayOperate(
  userId: string,
  rules: { operators: readonly string[]; operatorGroups: readonly string[] },
  facts: { inOperatorGroup: boolean; isApprover: boolean },
): boolean {
  if (rules.operators.length === 0 && rules.operatorGroups.length === 0) return true;
  return rules.operators.includes(userId) || facts.inOperatorGroup || facts.isApprover;
}
