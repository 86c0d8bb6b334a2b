import { type AtcRegexFinding, atcRegexFinding } from './atc-regex.js';
import type { KongRoute } from './kong-schemas.js';
import type { PreflightCheck } from './preflight-check.js';
import { isPlainPath } from './regex-paths.js';

interface Found {
  item: string;
  finding: AtcRegexFinding;
}

function routeName(route: KongRoute): string {
  return `route ${route.name ?? route.id}`;
}

/** Regex header values (`~*…`, 3.x) by header name; Kong matches them lowercased. */
function regexHeaders(route: KongRoute): [string, string][] {
  const headers = (route as { headers?: unknown }).headers;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return [];
  const out: [string, string][] = [];
  for (const [name, values] of Object.entries(headers as Record<string, unknown>)) {
    if (!Array.isArray(values)) continue;
    for (const v of values) if (typeof v === 'string' && v.startsWith('~*')) out.push([name, v]);
  }
  return out;
}

/** Every regex of X's routes that 3.x's engine rejects or reads differently, one item each. */
export function findAtcRegexProblems(routes: readonly KongRoute[], xMajor: number): Found[] {
  const found: Found[] = [];
  for (const route of routes) {
    for (const path of route.paths ?? []) {
      // On 3.x only `~` marks a regex; 2.x paths that look like one become `~` paths in the 3.0 migration.
      const regex = path.startsWith('~')
        ? path.slice(1)
        : xMajor < 3 && !isPlainPath(path)
          ? path
          : undefined;
      const finding = regex === undefined ? undefined : atcRegexFinding(regex);
      if (finding) found.push({ item: `${routeName(route)}: path ${path} (${finding.reason})`, finding });
    }
    for (const [name, value] of regexHeaders(route)) {
      const finding = atcRegexFinding(value.slice(2).toLowerCase());
      if (finding)
        found.push({ item: `${routeName(route)}: header ${name}: ${value} (${finding.reason})`, finding });
    }
  }
  return found.sort((a, b) => a.item.localeCompare(b.item));
}

/**
 * Route regexes (paths, and `~*` header values) under Kong 3.x's regex engine. A regex Y's router
 * rejects is a failure: after the restore Y skips that route (it answers 404). One that Y reads
 * differently (possessive quantifiers, `\<`) is a warning.
 */
export function regexEngineCheck(
  routes: readonly KongRoute[],
  xMajor: number,
  yRouterFlavor: string | undefined,
): PreflightCheck {
  const base = { id: 'regex-atc', title: "Route regexes Kong 3.x's regex engine accepts" };
  const found = findAtcRegexProblems(routes, xMajor);
  const rejected = found.filter((f) => f.finding.severity === 'rejects');
  const flavor = yRouterFlavor ?? 'traditional_compatible';
  if (found.length === 0) {
    return { ...base, status: 'pass', detail: 'Every route regex on X is valid for the 3.x regex engine.' };
  }
  if (rejected.length > 0) {
    return {
      ...base,
      status: 'fail',
      detail: `${rejected.length} route regex(es) on X use constructs Y's router (${flavor}, Rust regex) rejects: look-around, backreferences, PCRE-only escapes or groups, or an unescaped {. Y would skip these routes (404) after the restore.${found.length > rejected.length ? ` ${found.length - rejected.length} more would match differently.` : ''}`,
      remedy:
        'Rewrite these regexes on X before the freeze (e.g. split a look-ahead into two routes with regex_priority, replace \\1 by the repeated group, escape literal braces as \\{), or run Y with router_flavor=traditional (deprecated), then start a new run.',
      items: found.map((f) => f.item),
    };
  }
  return {
    ...base,
    status: 'warn',
    detail: `${found.length} route regex(es) on X load on Y but match differently under the 3.x regex engine.`,
    remedy:
      'Rewrite them to mean the same under both engines, and smoke-test these routes on Y before shifting traffic.',
    items: found.map((f) => f.item),
  };
}
