/**
 * Holm's step-down correction: which of m one-sided tests reject at family-wise error rate `alpha`.
 * Sorted by p-value, the i-th smallest (0-based) rejects when it and every smaller one are below
 * alpha / (m − i); the first that is not stops the procedure. Returns one boolean per input, in order.
 * Controls the chance of any false rejection among the m tests at `alpha`, whatever their dependence.
 */
export function holmBonferroni(pValues: readonly number[], alpha: number): boolean[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p: Number.isNaN(p) ? 1 : p, i })).sort((a, b) => a.p - b.p);
  const rejected = new Array<boolean>(m).fill(false);
  for (let k = 0; k < m; k++) {
    const entry = order[k];
    if (!entry || entry.p > alpha / (m - k)) break;
    rejected[entry.i] = true;
  }
  return rejected;
}
