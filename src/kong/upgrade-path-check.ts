import { KONG_LATEST_LINE, lineName, upgradePath } from '../domain/upgrade-path.js';
import type { KongVersion } from './compare-versions.js';
import type { PreflightCheck } from './preflight-check.js';

const GUARANTEED = 'patch → patch, adjacent minors, LTS → next LTS (2.8 → 3.4 → 3.10 → 3.14)';

/**
 * Kong's guaranteed upgrade paths (src/domain/upgrade-path.ts) as a preflight line. A jump outside
 * them is a warning naming the hops Kong does guarantee, never a failure: Kong calls such jumps
 * "not guaranteed", not impossible. Only an X older than 2.1 cannot reach 3.x at all.
 */
export function upgradePathCheck(
  x: KongVersion | undefined,
  target: KongVersion | undefined,
): PreflightCheck | undefined {
  if (!x || !target) return undefined;
  const base = { id: 'upgrade-path', title: "Kong's supported upgrade path" };
  const from = [x.parts[0], x.parts[1]] as const;
  const to = [target.parts[0], target.parts[1]] as const;
  const path = upgradePath(from, to);
  const jump = `${lineName(from)} → ${lineName(to)}`;
  const newest = path.beyondKnownLines
    ? ` ${lineName(to)} is newer than the newest line this bot knows (${lineName(KONG_LATEST_LINE)}); read its release notes.`
    : '';
  if (path.kind === 'unsupported-source') {
    return {
      ...base,
      status: 'fail',
      detail: `Kong 3.x can only migrate a database from 2.1 or later; X runs ${lineName(from)}.`,
      remedy: 'Upgrade X to 2.8 first (with a separate run to 2.8), then upgrade to 3.x.',
    };
  }
  if (path.guaranteed) {
    const what =
      path.kind === 'patch'
        ? 'a patch upgrade'
        : path.kind === 'lts-to-lts'
          ? 'LTS to the next LTS'
          : 'adjacent minors';
    return {
      ...base,
      status: 'pass',
      detail: `${jump} is an upgrade path Kong guarantees (${what}).${newest}`,
    };
  }
  return {
    ...base,
    status: 'warn',
    detail: `${jump} is not one of Kong's guaranteed paths (${GUARANTEED}). Kong does not test this jump; its LTS guide warns that applying the LTS-to-LTS migration pattern to other intervals can run database changes in the wrong order. The hops Kong guarantees are ${path.hops.join(' → ')}.${newest}`,
    remedy: `Prefer upgrading in those hops (one run per hop: ${path.hops.join(' → ')}), each to the latest patch of its line. If you go directly, read the breaking changes of every version in between, rehearse the migrations (deploy.rehearsal) and rely on the verify step's smoke tests before shifting traffic.`,
    items: path.hops.slice(1).map((h, i) => `hop ${i + 1}: ${path.hops[i]} → ${h}`),
  };
}
