/*
 * Hybrid mode: whether a control plane's data planes may serve traffic (docs/contract.md#kong-as-it-really-runs). Kong's own rules
 * (kong/clustering/compat): a DP's major must equal the CP's and its minor must not be newer; Kong
 * marks a DP that misses plugins `plugin_set_incompatible` and keeps its row for 14 days after it
 * disconnected, so only DPs seen recently count. Pure: the clock is passed in.
 */

/** One row of `GET /clustering/data-planes`, normalised. */
export interface DataPlane {
  id: string;
  hostname: string;
  ip: string;
  version: string;
  /** `normal`, `unknown`, `kong_version_incompatible`, `plugin_set_incompatible`, … */
  syncStatus: string;
  configHash: string;
  /** Unix seconds. */
  lastSeen: number;
}

/** A DP counts as connected when Kong heard from it within this many seconds. */
export const DATA_PLANE_SEEN_SECONDS = 60;

/** Kong's hash of an empty declarative config: the DP has no configuration loaded. */
export const EMPTY_CONFIG_HASH = '00000000000000000000000000000000';

export interface DataPlaneJudgement {
  ready: boolean;
  /** DPs seen in the last 60 s. */
  connected: number;
  /** One line per problem, naming the DP (hostname and ip) and what is wrong; empty when ready. */
  problems: string[];
}

function majorMinor(version: string): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Why a DP of `dpVersion` may not take config from a CP of `cpVersion`; undefined when compatible. */
export function versionProblem(cpVersion: string, dpVersion: string): string | undefined {
  const cp = majorMinor(cpVersion);
  const dp = majorMinor(dpVersion);
  if (!dp) return `reports no readable version ("${esc(dpVersion.slice(0, 40))}")`;
  if (!cp) return undefined;
  if (dp[0] !== cp[0])
    return `runs ${dpVersion}, another major version than the control plane's ${cpVersion}`;
  if (dp[1] > cp[1]) return `runs ${dpVersion}, newer than the control plane's ${cpVersion}`;
  return undefined;
}

/** Kong's names go to Slack: `&`, `<` and `>` are escaped for mrkdwn. */
const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function dataPlaneName(dp: Pick<DataPlane, 'hostname' | 'ip' | 'id'>): string {
  const host = esc(dp.hostname || dp.id);
  return dp.ip ? `${host} (${esc(dp.ip)})` : host;
}

function ago(seconds: number): string {
  if (seconds < 120) return `${Math.max(0, Math.round(seconds))} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

/**
 * At least `min` DPs seen in the last 60 s, each `sync_status: normal`, each version-compatible with
 * the CP, all on one config hash (and not the empty one). The hash most DPs share is taken as the
 * current one; on a tie every DP is named.
 */
export function judgeDataPlanes(
  cp: { version: string },
  dataPlanes: readonly DataPlane[],
  now: Date,
  min: number,
): DataPlaneJudgement {
  const nowS = now.getTime() / 1000;
  const connected = dataPlanes.filter((dp) => nowS - dp.lastSeen <= DATA_PLANE_SEEN_SECONDS);
  const stale = dataPlanes.filter((dp) => nowS - dp.lastSeen > DATA_PLANE_SEEN_SECONDS);
  const problems: string[] = [];
  if (connected.length < min) {
    const seen = stale.length
      ? `; not seen recently: ${stale
          .sort((a, b) => b.lastSeen - a.lastSeen)
          .slice(0, 5)
          .map((dp) => `${dataPlaneName(dp)} last seen ${ago(nowS - dp.lastSeen)}`)
          .join(', ')}${stale.length > 5 ? ` and ${stale.length - 5} more` : ''}`
      : '';
    problems.push(
      `only ${connected.length} of the required ${min} data plane${min === 1 ? '' : 's'} seen in the last ${DATA_PLANE_SEEN_SECONDS} s${seen}`,
    );
  }
  const hashCounts = new Map<string, number>();
  for (const dp of connected) hashCounts.set(dp.configHash, (hashCounts.get(dp.configHash) ?? 0) + 1);
  const ranked = [...hashCounts.entries()].sort((a, b) => b[1] - a[1]);
  const top = ranked[0];
  const tie = ranked.length > 1 && ranked[1]?.[1] === top?.[1];
  const current = top && !tie ? top[0] : undefined;
  for (const dp of [...connected].sort((a, b) => dataPlaneName(a).localeCompare(dataPlaneName(b)))) {
    const wrong: string[] = [];
    if (dp.syncStatus !== 'normal') wrong.push(`sync_status ${dp.syncStatus}`);
    const version = versionProblem(cp.version, dp.version);
    if (version) wrong.push(version);
    if (dp.configHash === EMPTY_CONFIG_HASH) wrong.push('has no configuration loaded (empty config_hash)');
    else if (ranked.length > 1 && dp.configHash !== current) {
      wrong.push(
        current
          ? `config_hash ${dp.configHash.slice(0, 12)}… differs from the other data planes' ${current.slice(0, 12)}…`
          : `config_hash ${dp.configHash.slice(0, 12)}… (the data planes disagree on their configuration)`,
      );
    }
    if (wrong.length > 0) problems.push(`${dataPlaneName(dp)}: ${wrong.join('; ')}`);
  }
  return { ready: problems.length === 0, connected: connected.length, problems };
}

/** The `minDataPlanes` in force: the configured one, else the number of metrics URLs, else 1. */
export function requiredDataPlanes(configured: number | undefined, metricsUrls: number): number {
  return configured ?? Math.max(1, metricsUrls);
}
