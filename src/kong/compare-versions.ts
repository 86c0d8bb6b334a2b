import { AppError } from '../errors.js';

/**
 * A Kong Gateway version. OSS uses three parts (`3.9.1`); Enterprise four (`3.4.3.12`), often with a
 * suffix (`3.10.0.0-enterprise-edition`). Pre-release suffixes (`-rc.1`, `-dev`, `-alpha`) sort before
 * the release; the edition suffix does not change ordering.
 */
export interface KongVersion {
  raw: string;
  /** Always four numbers: missing parts are 0, so `3.4.3` equals `3.4.3.0`. */
  parts: [number, number, number, number];
  /** Pre-release label (e.g. `rc.1`, `dev`), or undefined for a release. */
  prerelease?: string;
  enterprise: boolean;
}

const VERSION_RE = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/;

/** Returns undefined when the text is not a Kong version. */
export function tryParseKongVersion(text: string): KongVersion | undefined {
  const raw = text.trim();
  const m = VERSION_RE.exec(raw);
  if (!m) return undefined;
  const num = (s: string | undefined): number => (s === undefined ? 0 : Number.parseInt(s, 10));
  const parts: [number, number, number, number] = [num(m[1]), num(m[2]), num(m[3]), num(m[4])];
  if (parts.some((p) => !Number.isSafeInteger(p))) return undefined;
  const suffix = m[5];
  const enterprise = suffix !== undefined && /enterprise/i.test(suffix);
  // "3.10.0.0-enterprise-edition" is a release; "3.10.0-dev" or "3.0.0-rc.1" is not.
  const prerelease = suffix !== undefined && !enterprise ? suffix : undefined;
  return prerelease === undefined ? { raw, parts, enterprise } : { raw, parts, prerelease, enterprise };
}

/** Parses a Kong version or throws E_INVALID_INPUT naming the text. */
export function parseKongVersion(text: string): KongVersion {
  const v = tryParseKongVersion(text);
  if (!v) {
    throw new AppError(
      'E_INVALID_INPUT',
      `"${text.slice(0, 80)}" is not a Kong version; expected something like 3.9.1 or 3.4.3.12-enterprise-edition.`,
    );
  }
  return v;
}

function asVersion(v: KongVersion | string): KongVersion {
  return typeof v === 'string' ? parseKongVersion(v) : v;
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: KongVersion | string, b: KongVersion | string): number {
  const va = asVersion(a);
  const vb = asVersion(b);
  for (let i = 0; i < 4; i++) {
    const d = (va.parts[i] ?? 0) - (vb.parts[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (va.prerelease === vb.prerelease) return 0;
  if (va.prerelease === undefined) return 1;
  if (vb.prerelease === undefined) return -1;
  return va.prerelease < vb.prerelease ? -1 : 1;
}

/** The major version number, e.g. 2 for `2.8.4.1`. */
export function major(v: KongVersion | string): number {
  return asVersion(v).parts[0];
}

/** Same major.minor.patch(.build), ignoring suffixes: `3.9.1` matches `3.9.1.0-enterprise-edition`. */
export function sameVersion(a: KongVersion | string, b: KongVersion | string): boolean {
  return compareVersions(a, b) === 0;
}
