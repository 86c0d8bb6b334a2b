/**
 * One-sided tests for "Y's error ratio is worse than X's". Pure arithmetic, no dependencies.
 */

/** P(Z > z) for a standard normal Z (erfc with relative error < 1.2e-7, Numerical Recipes `erfcc`). */
export function normalUpperTail(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const x = z / Math.SQRT2;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.5 * a);
  const poly =
    -a * a -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(poly);
  return 0.5 * (x >= 0 ? erfc : 2 - erfc);
}

/** z for a one-sided significance level, e.g. 0.01 → 2.326. */
export function zForAlpha(alpha: number): number {
  // Bisection on the tail function: exact enough (1e-9) and needs no inverse-erf table.
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (normalUpperTail(mid) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface ProportionTest {
  z: number;
  /** One-sided p-value; 1 when there is nothing to test (no errors anywhere, or no requests). */
  pValue: number;
}

/**
 * The classic pooled two-proportion z-test, H0: pY ≤ pX against H1: pY > pX.
 * `errorsX` of `totalX` on X, `errorsY` of `totalY` on Y.
 */
export function twoProportionTest(
  errorsX: number,
  totalX: number,
  errorsY: number,
  totalY: number,
): ProportionTest {
  if (!(totalX > 0) || !(totalY > 0)) return { z: 0, pValue: 1 };
  const pX = errorsX / totalX;
  const pY = errorsY / totalY;
  const pooled = (errorsX + errorsY) / (totalX + totalY);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / totalX + 1 / totalY));
  if (!(se > 0)) return { z: 0, pValue: 1 };
  const z = (pY - pX) / se;
  return { z, pValue: normalUpperTail(z) };
}

/**
 * Is Y's error ratio more than `margin` above X's? H0: pY − pX ≤ margin against H1: pY − pX > margin,
 * with Agresti–Caffo adjusted estimates (one extra error and one extra success per side), which keep
 * the test honest when counts are small or zero, where the plain Wald test is overconfident.
 */
export function marginExceededTest(
  errorsX: number,
  totalX: number,
  errorsY: number,
  totalY: number,
  margin: number,
): ProportionTest {
  if (!(totalX > 0) || !(totalY > 0)) return { z: 0, pValue: 1 };
  const pX = (errorsX + 1) / (totalX + 2);
  const pY = (errorsY + 1) / (totalY + 2);
  const se = Math.sqrt((pX * (1 - pX)) / (totalX + 2) + (pY * (1 - pY)) / (totalY + 2));
  const z = (pY - pX - margin) / se;
  return { z, pValue: normalUpperTail(z) };
}
