/**
 * An always-valid test of "Y's 5xx ratio is worse than X's", to look at after every scrape
 * (docs/contract.md#route-level-analysis-and-fast-detection).
 *
 * Method: a mixture sequential probability ratio test (Robbins 1970; as "always valid p-values" in
 * Johari, Koomen, Pekelis, Walsh, "Always valid inference: continuous monitoring of A/B tests", Operations Research 2022; the e-process view in
 * Ramdas et al., "Game-theoretic statistics and safe anytime-valid inference", 2023). Each increment
 * (one scrape: nX requests and eX errors on X, nY and eY on Y) is conditioned on its total errors
 * k = eX + eY. If X and Y share the error probability in that increment (whatever it is, and however
 * it moves over time or with load), eY given k is hypergeometric; if Y's error odds are ψ times X's,
 * it is Fisher's noncentral hypergeometric, whose likelihood ratio against ψ = 1 is
 * ψ^eY / E₁[ψ^Y]. The product over increments, averaged over a grid of ψ > 1, is a nonnegative
 * supermartingale under "Y no worse than X", so by Ville's inequality the chance that it ever reaches
 * 1/α, however often one looks, is at most α. Conditioning on k removes the unknown base error
 * rate, which is why no warm-up or estimate is needed.
 */

/** Odds ratios the mixture bets on (equal weights): from a modest rise to a gross failure. */
export const ODDS_GRID: readonly number[] = [1.5, 2, 3, 5, 10, 30, 100];

export interface ErrorIncrement {
  xRequests: number;
  xErrors: number;
  yRequests: number;
  yErrors: number;
}

/** JSON-safe; carried from scrape to scrape within one step. */
export interface SequentialState {
  /** log of the likelihood ratio so far, one per entry of ODDS_GRID. */
  logRatios: number[];
  xRequests: number;
  xErrors: number;
  yRequests: number;
  yErrors: number;
}

export function emptySequentialState(): SequentialState {
  return { logRatios: ODDS_GRID.map(() => 0), xRequests: 0, xErrors: 0, yRequests: 0, yErrors: 0 };
}

export function updateSequential(state: SequentialState, inc: ErrorIncrement): SequentialState {
  const nX = Math.max(0, Math.round(inc.xRequests));
  const nY = Math.max(0, Math.round(inc.yRequests));
  const eX = Math.min(nX, Math.max(0, Math.round(inc.xErrors)));
  const eY = Math.min(nY, Math.max(0, Math.round(inc.yErrors)));
  const next: SequentialState = {
    logRatios: [...state.logRatios],
    xRequests: state.xRequests + nX,
    xErrors: state.xErrors + eX,
    yRequests: state.yRequests + nY,
    yErrors: state.yErrors + eY,
  };
  const k = eX + eY;
  // No errors, or one side without traffic: the increment carries no evidence either way.
  if (k === 0 || nX === 0 || nY === 0) return next;
  const weights = hypergeometricLogWeights(nX, nY, k);
  ODDS_GRID.forEach((psi, i) => {
    const lp = Math.log(psi);
    const normaliser = logSumExp(weights.logW.map((w, j) => w + (weights.low + j) * lp)) - weights.logTotal;
    next.logRatios[i] = (next.logRatios[i] ?? 0) + eY * lp - normaliser;
  });
  return next;
}

/** The e-value so far: the mixture's likelihood ratio. */
export function eValue(state: SequentialState): number {
  const logs = state.logRatios;
  return Math.exp(logSumExp(logs) - Math.log(logs.length));
}

export interface SequentialVerdict {
  fail: boolean;
  eValue: number;
  /** Y's and X's 5xx ratios over the step so far (null without requests). */
  x: number | null;
  y: number | null;
}

/**
 * Fails when the evidence reaches 1/α **and** Y's ratio over the step so far is above X's by more than
 * `margin` (the same margin as the window comparison: a tiny real difference is no reason to roll back).
 * The second condition only removes rejections, so the guarantee stays.
 */
export function sequentialVerdict(state: SequentialState, alpha: number, margin: number): SequentialVerdict {
  const x = state.xRequests > 0 ? state.xErrors / state.xRequests : null;
  const y = state.yRequests > 0 ? state.yErrors / state.yRequests : null;
  const e = eValue(state);
  return { fail: e >= 1 / alpha && x !== null && y !== null && y - x > margin, eValue: e, x, y };
}

/** α for each step's own test, so that a run of `steps` steps keeps any false failure at most α. */
export function alphaPerStep(alpha: number, steps: number): number {
  return alpha / Math.max(1, Math.floor(steps));
}

/**
 * Unnormalised log pmf of the central hypergeometric (Y's share of k errors among nX + nY requests)
 * over its support low..high, by the ratio of consecutive terms (no log-gamma needed).
 */
function hypergeometricLogWeights(nX: number, nY: number, k: number) {
  const low = Math.max(0, k - nX);
  const high = Math.min(k, nY);
  const logW: number[] = [0];
  for (let j = low; j < high; j++) {
    const prev = logW[logW.length - 1] ?? 0;
    logW.push(prev + Math.log(nY - j) + Math.log(k - j) - Math.log(j + 1) - Math.log(nX - k + j + 1));
  }
  return { low, logW, logTotal: logSumExp(logW) };
}

function logSumExp(values: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > max) max = v;
  if (!Number.isFinite(max)) return max;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}
