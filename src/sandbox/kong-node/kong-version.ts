/** Major/minor/patch of a Kong version string ("3.9.1", "2.8.4", "3.4.1.1-enterprise-edition"). */
export interface KongVersion {
  major: number;
  minor: number;
  patch: number;
}

export function parseKongVersion(version: string): KongVersion | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

/** True when `version` is at least `minimum` (both "x.y[.z]"); unparsable versions count as newest. */
export function kongVersionAtLeast(version: string, minimum: string): boolean {
  const v = parseKongVersion(version);
  const m = parseKongVersion(minimum);
  if (!v || !m) return true;
  if (v.major !== m.major) return v.major > m.major;
  if (v.minor !== m.minor) return v.minor > m.minor;
  return v.patch >= m.patch;
}
