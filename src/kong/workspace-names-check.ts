import type { PreflightCheck } from './preflight-check.js';

/** Top-level Admin API path segments of 3.15 (its OpenAPI), used when Y does not list its endpoints. */
export const ADMIN_API_SEGMENTS_315 = [
  'admins',
  'audit',
  'cache',
  'ca_certificates',
  'certificates',
  'clustering',
  'config',
  'consumer_groups',
  'consumers',
  'debug',
  'endpoints',
  'event-hooks',
  'groups',
  'keyring',
  'keys',
  'key-sets',
  'licenses',
  'partials',
  'plugins',
  'rbac',
  'routes',
  'schemas',
  'services',
  'snis',
  'status',
  'tags',
  'targets',
  'timers',
  'upstreams',
  'vaults',
  'workspaces',
];

/** First path segments of `GET /endpoints` entries, e.g. `/services/{services}/routes` → `services`. */
export function adminPathSegments(endpoints: readonly string[]): string[] {
  const out = new Set<string>();
  for (const e of endpoints) {
    const first = e.split('/').find((s) => s !== '');
    if (first && !first.startsWith('{')) out.add(first);
  }
  return [...out].sort();
}

/**
 * 3.15.0.0 rejects workspace names equal to a top-level Admin API path segment: Kong checks existing
 * names at startup and before migrations and exits listing them. Y's own endpoints are the authority;
 * the 3.15 list stands in when Y does not serve `GET /endpoints`.
 */
export function workspaceNamesCheck(
  xWorkspaces: readonly string[] | undefined,
  yAdminSegments: readonly string[] | undefined,
): PreflightCheck {
  const base = { id: 'workspace-names-315', title: '3.15: workspace names clear of Admin API paths' };
  if (xWorkspaces === undefined) {
    return { ...base, status: 'pass', detail: 'X has no workspaces (GET /workspaces is not served).' };
  }
  const reserved = new Set(
    yAdminSegments && yAdminSegments.length > 0 ? yAdminSegments : ADMIN_API_SEGMENTS_315,
  );
  const items = xWorkspaces
    .filter((name) => reserved.has(name))
    .sort()
    .map((name) => `workspace ${name}: collides with /${name}`);
  if (items.length === 0) {
    return {
      ...base,
      status: 'pass',
      detail: `None of X's ${xWorkspaces.length} workspace name(s) is an Admin API path of Y.`,
    };
  }
  return {
    ...base,
    status: 'fail',
    detail: `${items.length} workspace(s) on X are named like a top-level Admin API path. Kong 3.15 refuses them: \`kong migrations\` and Kong's start-up exit listing the conflicts, so Y could not be migrated or started.`,
    remedy:
      'Rename these workspaces on X before the freeze (Kong does not rename them), update whatever addresses them (decK files, RBAC, scripts), then start a new run.',
    items,
  };
}
