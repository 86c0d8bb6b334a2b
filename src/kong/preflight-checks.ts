import { compareVersions, type KongVersion, tryParseKongVersion } from './compare-versions.js';
import { defaults314Checks } from './defaults-314-checks.js';
import type { KongNodeInfo, KongNodeStatus } from './kong-admin.js';
import type { KongPlugin, KongRoute, KongService } from './kong-schemas.js';
import { pluginSettingCheck, pluginVersionsCheck } from './plugin-versions-check.js';
import type { PreflightCheck } from './preflight-check.js';
import { rateLimitingCounterItems } from './rate-limiting-counters.js';
import { regexEngineCheck } from './regex-engine-check.js';
import { regexPathsWithoutTilde } from './regex-paths.js';
import { upgradePathCheck } from './upgrade-path-check.js';
import { adminPathSegments, workspaceNamesCheck } from './workspace-names-check.js';

export type { PreflightCheck } from './preflight-check.js';

export interface PreflightInput {
  x: KongNodeInfo;
  y: KongNodeInfo;
  /** `clusterY.version` from the config file. */
  expectedYVersion: string;
  xEntities: {
    routes: readonly KongRoute[];
    plugins: readonly KongPlugin[];
    services?: readonly KongService[];
  };
  /** X's workspace names (undefined: X has no `GET /workspaces`). */
  xWorkspaces?: string[];
  /** Y's `GET /endpoints` (undefined: not served). */
  yEndpoints?: string[];
  pgDump?: { clientMajor: number; serverMajor: number } | { error: string };
  /** `GET /status` of each node, when fetched: database reachability. */
  xStatus?: KongNodeStatus;
  yStatus?: KongNodeStatus;
}

function versionsCheck(x: KongVersion | undefined, target: KongVersion | undefined, input: PreflightInput) {
  const id = 'versions';
  const title = 'Y is newer than X';
  if (!x || !target) {
    const bad = !x ? `X reports "${input.x.version}"` : `clusterY.version is "${input.expectedYVersion}"`;
    return {
      id,
      title,
      status: 'fail',
      detail: `Cannot compare versions: ${bad}, which is not a Kong version.`,
      remedy:
        'Set clusterY.version to a version like 3.9.1 and check that adminUrl of X points at a Kong node.',
    } satisfies PreflightCheck;
  }
  if (compareVersions(target, x) <= 0) {
    return {
      id,
      title,
      status: 'fail',
      detail: `X runs ${input.x.version} and Y is configured for ${input.expectedYVersion}: that is not an upgrade.`,
      remedy:
        'Set clusterY.version to the newer version you are upgrading to, or check that clusterX and clusterY are not swapped.',
    } satisfies PreflightCheck;
  }
  return {
    id,
    title,
    status: 'pass',
    detail: `X runs ${input.x.version}; Y will run ${input.expectedYVersion}.`,
  } satisfies PreflightCheck;
}

function yVersionCheck(y: KongVersion | undefined, target: KongVersion | undefined, input: PreflightInput) {
  const base = { id: 'y-version', title: 'Y reports the configured version' };
  if (y && target && compareVersions(y, target) === 0) {
    return { ...base, status: 'pass', detail: `Y reports ${input.y.version}.` } satisfies PreflightCheck;
  }
  return {
    ...base,
    status: 'warn',
    detail: `Y reports ${input.y.version || 'no version'}, not ${input.expectedYVersion} yet. That is expected before the deploy step; no traffic moves until Y reports ${input.expectedYVersion}.`,
    remedy:
      'Nothing to do now if the deploy step installs the new version; otherwise check clusterY.version.',
  } satisfies PreflightCheck;
}

function pluginsCheck(input: PreflightInput): PreflightCheck {
  const available = new Set(input.y.plugins.availableOnServer);
  const counts = new Map<string, number>();
  for (const p of input.xEntities.plugins) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
  for (const name of input.x.plugins.enabledInCluster) if (!counts.has(name)) counts.set(name, 0);
  const missing = [...counts.keys()].filter((n) => !available.has(n)).sort();
  const base = { id: 'plugins-available', title: 'Plugins used on X are available on Y' };
  if (missing.length === 0) {
    return {
      ...base,
      status: 'pass',
      detail: `All ${counts.size} plugin types configured on X are loaded on Y.`,
    };
  }
  return {
    ...base,
    status: 'fail',
    detail: `${missing.length} plugin type(s) configured on X are not loaded on Y; Y would fail to use that configuration.`,
    remedy:
      'Install these plugins on Y and add them to its `plugins` setting (KONG_PLUGINS), or remove them from X before the freeze.',
    items: missing.map((n) => {
      const c = counts.get(n) ?? 0;
      return c > 0 ? `${n} (${c} instance${c === 1 ? '' : 's'})` : n;
    }),
  };
}

function regexCheck(input: PreflightInput): PreflightCheck {
  const items = regexPathsWithoutTilde(input.xEntities.routes);
  const base = { id: 'regex-paths', title: 'Regex route paths marked with ~ (2.x → 3.x)' };
  if (items.length === 0) {
    return { ...base, status: 'pass', detail: 'No route path on X looks like a regex without the ~ prefix.' };
  }
  return {
    ...base,
    status: 'warn',
    detail: `${items.length} route path(s) on X look like regular expressions but lack the ~ prefix that 3.x requires. Kong's 3.0 migration adds ~ in Y's database, but files and scripts that create these routes (decK, CI) would create plain prefix paths on Y.`,
    remedy:
      'Prefix these paths with ~ in your declarative files and scripts (deck convert does this), and re-test them on Y before shifting traffic.',
    items,
  };
}

function rateLimitingCheck(input: PreflightInput, xMajor: number): PreflightCheck {
  const items = rateLimitingCounterItems(input.xEntities.plugins, xMajor);
  const base = { id: 'rate-limiting-counters', title: 'Rate-limiting counters' };
  if (items.length === 0) {
    return {
      ...base,
      status: 'pass',
      detail: 'No rate-limiting plugin keeps its counters in the database or Redis.',
    };
  }
  return {
    ...base,
    status: 'warn',
    detail: `${items.length} rate-limiting plugin(s) keep shared counters: counters will not be synced between X and Y during the upgrade (cluster policy: each cluster counts in its own database; redis: only shared if Y uses the same Redis). Clients may get up to twice their limit within a window while traffic is split.`,
    remedy:
      'Accept the temporary over-allowance, keep the split short compared with the windows listed, or point both clusters at the same Redis.',
    items,
  };
}

function vitalsCheck(input: PreflightInput, target: KongVersion | undefined): PreflightCheck {
  const base = { id: 'vitals', title: 'Vitals analytics' };
  if (input.x.configuration.vitals !== true) {
    return { ...base, status: 'pass', detail: 'Vitals is not enabled on X.' };
  }
  const removed =
    target && compareVersions(target, '3.5.0.0') >= 0
      ? ' Vitals was removed in 3.5.0.0, so Y will not collect it at all.'
      : '';
  return {
    ...base,
    status: 'warn',
    detail: `Vitals is enabled on X: its metrics are stored in X's database and will not be synced to Y during the upgrade.${removed}`,
    remedy:
      "Use the bot's X/Y comparison or your own Prometheus for monitoring during the upgrade; export Vitals data from X first if you need it.",
  };
}

function pgDumpCheck(input: PreflightInput): PreflightCheck {
  const base = { id: 'pg-dump-version', title: "pg_dump can back up X's database" };
  const d = input.pgDump;
  if (d === undefined) {
    return {
      ...base,
      status: 'warn',
      detail: 'The pg_dump version was not checked.',
      remedy: 'Run preflight again with database access to X.',
    };
  }
  if ('error' in d) {
    return {
      ...base,
      status: 'fail',
      detail: `Could not check pg_dump: ${d.error}`,
      remedy:
        'Install the PostgreSQL client tools (pg_dump, pg_restore) on the worker hosts and check clusterX.databaseUrl.',
    };
  }
  if (d.clientMajor < d.serverMajor) {
    return {
      ...base,
      status: 'fail',
      detail: `pg_dump is version ${d.clientMajor} but X's database server is version ${d.serverMajor}; pg_dump refuses to dump a newer server.`,
      remedy: `Install PostgreSQL ${d.serverMajor} (or newer) client tools on the worker hosts.`,
    };
  }
  return {
    ...base,
    status: 'pass',
    detail: `pg_dump ${d.clientMajor} can dump PostgreSQL ${d.serverMajor}.`,
  };
}

function databaseCheck(side: 'X' | 'Y', status: KongNodeStatus | undefined): PreflightCheck[] {
  if (!status?.database) return [];
  const base = { id: `database-${side.toLowerCase()}`, title: `${side} reaches its database` };
  if (status.database.reachable)
    return [{ ...base, status: 'pass', detail: `${side} reports its database reachable.` }];
  return [
    {
      ...base,
      status: side === 'X' ? 'fail' : 'warn',
      detail: `${side} reports that it cannot reach its database.`,
      remedy:
        side === 'X'
          ? "Fix X's database connection before starting; the backup needs it."
          : "Expected if Y's database is created by the restore step; otherwise check Y's pg_* settings.",
    },
  ];
}

/** Every preflight check, in a stable order. Pure: all facts come in through `input`. */
export function runPreflightChecks(input: PreflightInput): PreflightCheck[] {
  const x = tryParseKongVersion(input.x.version);
  const y = tryParseKongVersion(input.y.version);
  const target = tryParseKongVersion(input.expectedYVersion);
  const checks: PreflightCheck[] = [versionsCheck(x, target, input), yVersionCheck(y, target, input)];
  // Only meaningful for an actual upgrade; the versions check already fails anything else.
  const path = x && target && compareVersions(target, x) > 0 ? upgradePathCheck(x, target) : undefined;
  if (path) checks.push(path);
  checks.push(pluginsCheck(input));
  if (x && target && x.parts[0] < 3 && target.parts[0] >= 3) checks.push(regexCheck(input));
  // The ATC router is the 3.x default; `traditional` keeps PCRE semantics.
  if (target && target.parts[0] >= 3 && input.y.configuration.routerFlavor !== 'traditional') {
    checks.push(
      regexEngineCheck(input.xEntities.routes, x?.parts[0] ?? 3, input.y.configuration.routerFlavor),
    );
  }
  checks.push(
    pluginVersionsCheck(input.x, input.y, input.xEntities.plugins),
    pluginSettingCheck(input.x, input.y),
  );
  if (x && target && compareVersions(x, '3.14.0') < 0 && compareVersions(target, '3.14.0') >= 0) {
    checks.push(...defaults314Checks({ ...input.xEntities, services: input.xEntities.services ?? [] }));
  }
  if (target && compareVersions(target, '3.15.0') >= 0) {
    checks.push(
      workspaceNamesCheck(input.xWorkspaces, input.yEndpoints && adminPathSegments(input.yEndpoints)),
    );
  }
  checks.push(rateLimitingCheck(input, x?.parts[0] ?? 3));
  checks.push(vitalsCheck(input, target));
  checks.push(pgDumpCheck(input));
  checks.push(...databaseCheck('X', input.xStatus), ...databaseCheck('Y', input.yStatus));
  return checks;
}
