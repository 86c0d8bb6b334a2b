import type { KongNodeInfo } from './kong-admin.js';
import type { KongPlugin } from './kong-schemas.js';
import type { PreflightCheck } from './preflight-check.js';

const majorOf = (v: string | undefined) => (v === undefined ? undefined : /^(\d+)\./.exec(v)?.[1]);
const lineOf = (v: string) => /^(\d+\.\d+)/.exec(v)?.[1];

/**
 * Plugins in use on X whose major version differs on Y (`GET /` available_on_server versions, 3.x).
 * Kong's bundled plugins carry Kong's own version on 3.x, so a plugin whose version on Y is Y's Kong
 * line is upgraded with Kong and not listed; a custom plugin whose major changed is (its schema and
 * migrations may have changed).
 */
export function pluginVersionsCheck(
  x: KongNodeInfo,
  y: KongNodeInfo,
  xPlugins: readonly KongPlugin[],
): PreflightCheck {
  const base = { id: 'plugin-versions', title: 'Plugins in use keep their major version on Y' };
  const xv = x.plugins.versions ?? {};
  const yv = y.plugins.versions ?? {};
  const inUse = new Set([...xPlugins.map((p) => p.name), ...x.plugins.enabledInCluster]);
  const yLine = lineOf(y.version);
  const items: string[] = [];
  for (const name of [...inUse].sort()) {
    const [from, to] = [xv[name], yv[name]];
    if (from === undefined || to === undefined) continue;
    if (majorOf(from) === majorOf(to) || lineOf(to) === yLine) continue;
    items.push(`${name}: ${from} on X, ${to} on Y`);
  }
  if (items.length === 0)
    return {
      ...base,
      status: 'pass',
      detail: "No plugin in use on X changes its major version on Y (outside Kong's own).",
    };
  return {
    ...base,
    status: 'warn',
    detail: `${items.length} plugin(s) in use on X have a different major version on Y: their configuration schema or migrations may have changed, and hybrid data planes refuse a plugin whose major differs from the control plane's.`,
    remedy:
      "Read these plugins' changelogs, make sure their migrations run with Y's `kong migrations`, and smoke-test the routes that use them on Y before shifting traffic.",
    items,
  };
}

/**
 * The `plugins` setting the nodes run with (`GET /` configuration.plugins, e.g. `bundled,my-auth`)
 * compared between X and Y: `kong migrations` only runs the migrations of plugins in that setting, so
 * a plugin missing on Y is neither migrated nor loaded (Kong #4420, #14730).
 */
export function pluginSettingCheck(x: KongNodeInfo, y: KongNodeInfo): PreflightCheck {
  const base = { id: 'plugin-setting', title: 'X and Y run with the same plugins setting' };
  const xs = x.configuration.plugins;
  const ys = y.configuration.plugins;
  if (xs === undefined || ys === undefined)
    return {
      ...base,
      status: 'pass',
      detail: 'A node does not report its plugins setting; nothing to compare.',
    };
  const ySet = new Set(ys);
  const xSet = new Set(xs);
  const missing = xs.filter((p) => !ySet.has(p)).sort();
  const added = ys.filter((p) => !xSet.has(p)).sort();
  if (missing.length === 0 && added.length === 0)
    return { ...base, status: 'pass', detail: `Both run with plugins = ${xs.join(',') || '(empty)'}.` };
  return {
    ...base,
    status: 'warn',
    detail: `X runs with plugins = ${xs.join(',') || '(empty)'}, Y with ${ys.join(',') || '(empty)'}. \`kong migrations\` runs only the migrations of the plugins in that setting, so the migration run and every node of Y must share it.`,
    remedy:
      "Give Y (its nodes and the environment of the deploy and rehearsal commands, KONG_PLUGINS) the plugins X runs with, unless you removed them from X's configuration on purpose.",
    items: [...missing.map((p) => `${p}: on X, not on Y`), ...added.map((p) => `${p}: on Y only`)],
  };
}
