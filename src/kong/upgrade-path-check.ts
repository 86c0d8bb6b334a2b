import type { KongVersion } from './compare-versions.js';
import type { PreflightCheck } from './preflight-check.js';

/**
 * Kong guarantees patch → patch, adjacent minors and LTS → LTS (2.8 → 3.4); 3.x migrations start at 2.1.
 * Other jumps usually work but are not what Kong tests, so they warn.
 */
export function upgradePathCheck(
  x: KongVersion | undefined,
  target: KongVersion | undefined,
): PreflightCheck | undefined {
  if (!x || !target) return undefined;
  const base = { id: 'upgrade-path', title: "Kong's supported upgrade path" };
  const [xMajor, xMinor] = x.parts;
  const [tMajor, tMinor] = target.parts;
  const from = `${xMajor}.${xMinor}`;
  const to = `${tMajor}.${tMinor}`;
  if (tMajor >= 3 && (xMajor < 2 || (xMajor === 2 && xMinor < 1))) {
    return {
      ...base,
      status: 'fail',
      detail: `Kong 3.x can only migrate a database from 2.1 or later; X runs ${from}.`,
      remedy: 'Upgrade X to 2.8 first (with a separate run to 2.8), then upgrade to 3.x.',
    };
  }
  const adjacent = xMajor === tMajor && tMinor - xMinor <= 1;
  const lts = from === '2.8' && to === '3.4';
  if (adjacent || lts)
    return { ...base, status: 'pass', detail: `${from} → ${to} is an upgrade path Kong guarantees.` };
  return {
    ...base,
    status: 'warn',
    detail: `${from} → ${to} is not one of Kong's guaranteed paths (patch, adjacent minor, or LTS 2.8 → 3.4). It usually works, because Y's migrations run in order, but Kong does not test it.`,
    remedy:
      "Read the changelog and breaking changes of every version in between, and rely on the verify step's smoke tests before shifting traffic.",
  };
}
