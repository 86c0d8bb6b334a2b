export interface TimeoutSignals {
  /** Aborts at the deadline or when the caller's signal aborts: pass this to the call. */
  signal: AbortSignal;
  /** Aborts at the deadline only, so an error can say "timed out" rather than "cancelled". */
  deadline: AbortSignal;
}

/** A per-call deadline of `ms`, combined with the caller's own cancellation signal if there is one. */
export function withTimeout(ms: number, outer?: AbortSignal): TimeoutSignals {
  const deadline = AbortSignal.timeout(ms);
  return { signal: outer ? AbortSignal.any([deadline, outer]) : deadline, deadline };
}
