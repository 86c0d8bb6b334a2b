import type { KongRoute } from './kong-schemas.js';

/**
 * Kong's 2.8 → 3.0 rule (migration `migrate_path_280_300`, decK `IsPathRegexLike`): a path is plain when
 * it consists only of `[a-zA-Z0-9.-_~/%]`; anything else is a regex, which 3.x only treats as one with `~`.
 */
const PLAIN_PATH = /^[a-zA-Z0-9.\-_~/%]*$/;

export function isPlainPath(path: string): boolean {
  return PLAIN_PATH.test(path);
}

/** `name-or-id: path` for every route path that looks like a regex but has no `~` prefix. */
export function regexPathsWithoutTilde(routes: readonly KongRoute[]): string[] {
  const items: string[] = [];
  for (const route of routes) {
    for (const path of route.paths ?? []) {
      if (path.startsWith('~') || isPlainPath(path)) continue;
      items.push(`${route.name ?? route.id}: ${path}`);
    }
  }
  return items.sort();
}
