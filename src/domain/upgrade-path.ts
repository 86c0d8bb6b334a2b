/**
 * Kong's release lines and the upgrade paths Kong guarantees (reference kong-3.10-3.15.md §1,
 * kong.md §5.3): patch → patch, adjacent minors (2.8 → 3.0 included), and LTS → next LTS
 * (2.8 → 3.4 → 3.10 → 3.14). Any other jump is "not guaranteed": it may work, Kong does not test it.
 */

/** A release line: [major, minor]. Patches and Enterprise build numbers do not matter for paths. */
export type KongLine = readonly [number, number];

/** Long-term-support lines, oldest first. 3.18 (2027) and 3.22 (2028) are planned, not released. */
export const KONG_LTS_LINES: readonly KongLine[] = [
  [2, 8],
  [3, 4],
  [3, 10],
  [3, 14],
];

/** The newest released line this rule knows. */
export const KONG_LATEST_LINE: KongLine = [3, 15];

/** The last minor of each major before the next major began (2.8 → 3.0 is adjacent). */
const LAST_MINOR: Readonly<Record<number, number>> = { 1: 5, 2: 8 };

export type UpgradePathKind =
  /** Same line: a patch (or Enterprise build) upgrade. */
  | 'patch'
  | 'adjacent-minor'
  | 'lts-to-lts'
  /** Kong 3.x migrates databases from 2.1 on only: an older X cannot reach 3.x at all. */
  | 'unsupported-source'
  | 'not-guaranteed';

export interface UpgradePathVerdict {
  kind: UpgradePathKind;
  guaranteed: boolean;
  /** The lines of the shortest chain of guaranteed hops from X to Y, both ends included (e.g. 2.8, 3.4, 3.10). */
  hops: string[];
  /** True when Y's line is newer than the newest line known here (the verdict then rests on numbering only). */
  beyondKnownLines: boolean;
}

export const lineName = (l: KongLine): string => `${l[0]}.${l[1]}`;
const same = (a: KongLine, b: KongLine) => a[0] === b[0] && a[1] === b[1];
const before = (a: KongLine, b: KongLine) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
const isLts = (l: KongLine) => KONG_LTS_LINES.some((x) => same(x, l));

function nextMinor(l: KongLine): KongLine {
  const last = LAST_MINOR[l[0]];
  return last !== undefined && l[1] >= last ? [l[0] + 1, 0] : [l[0], l[1] + 1];
}

function nextLts(l: KongLine): KongLine | undefined {
  if (!isLts(l)) return undefined;
  return KONG_LTS_LINES.find((x) => before(l, x));
}

/** Guaranteed single hops out of a line: the next LTS first, so ties prefer LTS jumps. */
function hopsFrom(l: KongLine): KongLine[] {
  const lts = nextLts(l);
  return lts ? [lts, nextMinor(l)] : [nextMinor(l)];
}

/** Shortest chain of guaranteed hops (breadth-first over lines, never past the target). */
function guaranteedChain(from: KongLine, to: KongLine): KongLine[] {
  const previous = new Map<string, KongLine | null>([[lineName(from), null]]);
  const queue: KongLine[] = [from];
  while (queue.length > 0) {
    const line = queue.shift() as KongLine;
    if (same(line, to)) break;
    for (const next of hopsFrom(line)) {
      if (before(to, next) || previous.has(lineName(next))) continue;
      previous.set(lineName(next), line);
      queue.push(next);
    }
  }
  const chain: KongLine[] = [];
  for (let at: KongLine | null | undefined = to; at; at = previous.get(lineName(at))) chain.unshift(at);
  return chain;
}

/**
 * Classifies the upgrade from line `from` to line `to` (an upgrade: `to` is not older). Pure.
 * A path outside the guaranteed ones still gets the chain of guaranteed hops that leads there.
 */
export function upgradePath(from: KongLine, to: KongLine): UpgradePathVerdict {
  const beyondKnownLines = before(KONG_LATEST_LINE, to);
  if (to[0] >= 3 && before(from, [2, 1])) {
    return { kind: 'unsupported-source', guaranteed: false, hops: [], beyondKnownLines };
  }
  const verdict = (kind: UpgradePathKind, guaranteed: boolean, chain: KongLine[]) => ({
    kind,
    guaranteed,
    hops: chain.map(lineName),
    beyondKnownLines,
  });
  if (same(from, to) || before(to, from)) return verdict('patch', true, [from]);
  if (same(nextMinor(from), to)) return verdict('adjacent-minor', true, [from, to]);
  const lts = nextLts(from);
  if (lts && same(lts, to)) return verdict('lts-to-lts', true, [from, to]);
  return verdict('not-guaranteed', false, guaranteedChain(from, to));
}
