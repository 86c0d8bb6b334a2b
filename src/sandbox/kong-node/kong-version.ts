import { compareVersions, tryParseKongVersion } from '../../kong/compare-versions.js';

/**
 * True when the simulated node's `version` is at least `minimum` (Kong's own ordering, from
 * src/kong). An unparsable version counts as the newest, so a node started with an odd version string
 * still behaves like current Kong instead of failing.
 */
export function kongVersionAtLeast(version: string, minimum: string): boolean {
  const v = tryParseKongVersion(version);
  const m = tryParseKongVersion(minimum);
  if (!v || !m) return true;
  return compareVersions(v, m) >= 0;
}
