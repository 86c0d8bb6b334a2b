import type { KongPlugin } from './kong-schemas.js';

const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;

/** `rate-limiting "name" (id) on service …`, for lists in reports. */
export function pluginLabel(p: KongPlugin): string {
  const scope = p.route?.id
    ? ` on route ${p.route.id}`
    : p.service?.id
      ? ` on service ${p.service.id}`
      : p.consumer?.id
        ? ` on consumer ${p.consumer.id}`
        : ' (global)';
  const instance = p.instance_name ? ` "${p.instance_name}"` : '';
  return `${p.name}${instance} ${p.id}${scope}`;
}

function periodsOf(config: Record<string, unknown>): string[] {
  return PERIODS.filter((k) => typeof config[k] === 'number').map((k) => `${k}=${String(config[k])}`);
}

function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((n): n is number => typeof n === 'number') : [];
}

/**
 * Rate-limiting plugins whose counters live outside the node (policy/strategy `cluster` or `redis`) and so
 * diverge between X and Y while traffic is split, with their windows. Disabled instances are skipped.
 * `xMajor` matters because 2.x defaulted `policy` to `cluster` when unset (3.x defaults to `local`).
 */
export function rateLimitingCounterItems(plugins: readonly KongPlugin[], xMajor: number): string[] {
  const items: string[] = [];
  for (const p of plugins) {
    if (p.enabled === false) continue;
    const config = p.config ?? {};
    if (p.name === 'rate-limiting' || p.name === 'response-ratelimiting') {
      const policy = typeof config.policy === 'string' ? config.policy : xMajor < 3 ? 'cluster' : 'local';
      if (policy !== 'cluster' && policy !== 'redis') continue;
      let windows = periodsOf(config);
      if (p.name === 'response-ratelimiting' && config.limits && typeof config.limits === 'object') {
        windows = Object.entries(config.limits as Record<string, unknown>).flatMap(([header, v]) =>
          v && typeof v === 'object'
            ? periodsOf(v as Record<string, unknown>).map((w) => `${header}.${w}`)
            : [],
        );
      }
      items.push(`${pluginLabel(p)}: policy ${policy}, windows ${windows.join(', ') || 'none set'}`);
    } else if (p.name === 'rate-limiting-advanced') {
      const strategy = typeof config.strategy === 'string' ? config.strategy : 'local';
      if (strategy !== 'cluster' && strategy !== 'redis') continue;
      const sizes = numbers(config.window_size).map((s) => `${s}s`);
      const limits = numbers(config.limit);
      const limitText = limits.length > 0 ? ` (limits ${limits.join(', ')})` : '';
      items.push(
        `${pluginLabel(p)}: strategy ${strategy}, window_size ${sizes.join(', ') || 'unset'}${limitText}`,
      );
    }
  }
  return items.sort();
}
