import { describe, expect, it } from 'vitest';
import type { KongNodeInfo } from '../../src/kong/kong-admin.js';
import type { KongPlugin, KongRoute } from '../../src/kong/kong-schemas.js';
import { type PreflightInput, runPreflightChecks } from '../../src/kong/preflight-checks.js';
import { isPlainPath } from '../../src/kong/regex-paths.js';

function node(version: string, plugins: string[], extra: Partial<KongNodeInfo> = {}): KongNodeInfo {
  return {
    version,
    hostname: 'h',
    nodeId: 'n',
    plugins: { availableOnServer: plugins, enabledInCluster: [] },
    configuration: { database: 'postgres', role: 'traditional' },
    ...extra,
  };
}

const BUNDLED = ['key-auth', 'rate-limiting', 'response-ratelimiting', 'prometheus', 'acl'];
const route = (id: string, paths: string[], name?: string): KongRoute => ({
  id,
  paths,
  ...(name ? { name } : {}),
});
const plugin = (
  id: string,
  name: string,
  config: Record<string, unknown>,
  extra: Partial<KongPlugin> = {},
): KongPlugin => ({
  id,
  name,
  config,
  enabled: true,
  ...extra,
});

function input(overrides: Partial<PreflightInput> = {}): PreflightInput {
  return {
    x: node('3.8.1', BUNDLED),
    y: node('3.9.1', BUNDLED),
    expectedYVersion: '3.9.1',
    xEntities: { routes: [route('r1', ['/orders'], 'orders')], plugins: [plugin('p1', 'key-auth', {})] },
    pgDump: { clientMajor: 16, serverMajor: 14 },
    ...overrides,
  };
}

function check(checks: ReturnType<typeof runPreflightChecks>, id: string) {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${checks.map((x) => x.id).join(',')}`);
  return c;
}

describe('runPreflightChecks', () => {
  it('passes a clean 3.8 → 3.9 upgrade', () => {
    const checks = runPreflightChecks(input());
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['versions', 'pass'],
      ['y-version', 'pass'],
      ['upgrade-path', 'pass'],
      ['plugins-available', 'pass'],
      ['regex-atc', 'pass'],
      ['plugin-versions', 'pass'],
      ['plugin-setting', 'pass'],
      ['rate-limiting-counters', 'pass'],
      ['vitals', 'pass'],
      ['pg-dump-version', 'pass'],
    ]);
    for (const c of checks) expect(c.detail.length).toBeGreaterThan(0);
  });

  it('X 2.8 → Y 3.9: warns about a regex route without ~ and a cluster rate-limiting plugin, naming both', () => {
    const checks = runPreflightChecks(
      input({
        x: node('2.8.4', BUNDLED),
        xEntities: {
          routes: [
            route('r1', ['/orders', '/orders/\\d+$'], 'orders-by-id'),
            route('r2', ['~/already/\\d+']),
            route('r3', ['/users/(?<id>[^/]+)']),
          ],
          plugins: [plugin('p-rl', 'rate-limiting', { minute: 100, hour: 1000, policy: 'cluster' })],
        },
      }),
    );
    const regex = check(checks, 'regex-paths');
    expect(regex.status).toBe('warn');
    expect(regex.items).toEqual(['orders-by-id: /orders/\\d+$', 'r3: /users/(?<id>[^/]+)']);
    expect(regex.remedy).toContain('~');
    const rl = check(checks, 'rate-limiting-counters');
    expect(rl.status).toBe('warn');
    expect(rl.detail).toContain('counters will not be synced between X and Y during the upgrade');
    expect(rl.items).toEqual(['rate-limiting p-rl (global): policy cluster, windows minute=100, hour=1000']);
  });

  it('does not run the regex check when not crossing 2.x → 3.x', () => {
    const checks = runPreflightChecks(
      input({ xEntities: { routes: [route('r', ['/a/\\d+'])], plugins: [] } }),
    );
    expect(checks.find((c) => c.id === 'regex-paths')).toBeUndefined();
  });

  it("uses Kong's exact plain-path character class", () => {
    for (const p of ['/', '/a-b_c.d~e/%20', '/v1/orders', '']) expect(isPlainPath(p)).toBe(true);
    for (const p of ['/a+b', '/a$', '/a b', '/a*', '/(x)', '/a\\d', '/a?b', '/ä'])
      expect(isPlainPath(p)).toBe(false);
  });

  it('fails naming each plugin configured on X that Y does not load', () => {
    const checks = runPreflightChecks(
      input({
        x: node('3.4.3', [...BUNDLED, 'my-auth', 'legacy-log'], {
          plugins: { availableOnServer: [], enabledInCluster: ['legacy-log'] },
        }),
        xEntities: {
          routes: [],
          plugins: [
            plugin('a', 'my-auth', {}),
            plugin('b', 'my-auth', {}, { enabled: false }),
            plugin('c', 'key-auth', {}),
          ],
        },
      }),
    );
    const c = check(checks, 'plugins-available');
    expect(c.status).toBe('fail');
    expect(c.items).toEqual(['legacy-log', 'my-auth (2 instances)']);
    expect(c.remedy).toBeDefined();
  });

  it('fails when pg_dump is older than the server, with both versions', () => {
    const c = check(
      runPreflightChecks(input({ pgDump: { clientMajor: 13, serverMajor: 15 } })),
      'pg-dump-version',
    );
    expect(c.status).toBe('fail');
    expect(c.detail).toContain('13');
    expect(c.detail).toContain('15');
    expect(c.remedy).toContain('15');
  });

  it('fails when pg_dump could not be run, and warns when it was not checked', () => {
    const failed = check(
      runPreflightChecks(input({ pgDump: { error: 'pg_dump: command not found' } })),
      'pg-dump-version',
    );
    expect(failed.status).toBe('fail');
    expect(failed.detail).toContain('command not found');
    const { pgDump: _omit, ...rest } = input();
    expect(check(runPreflightChecks(rest), 'pg-dump-version').status).toBe('warn');
  });

  it('fails when Y is not newer than X, or versions are not versions', () => {
    expect(check(runPreflightChecks(input({ expectedYVersion: '3.8.1' })), 'versions').status).toBe('fail');
    expect(check(runPreflightChecks(input({ expectedYVersion: '3.2.0' })), 'versions').status).toBe('fail');
    const bad = check(runPreflightChecks(input({ expectedYVersion: 'latest' })), 'versions');
    expect(bad.status).toBe('fail');
    expect(bad.detail).toContain('latest');
  });

  it('warns (not fails) while Y does not yet report the configured version', () => {
    const c = check(runPreflightChecks(input({ y: node('3.8.1', BUNDLED) })), 'y-version');
    expect(c.status).toBe('warn');
    expect(c.detail).toContain('3.9.1');
    expect(c.detail).toMatch(/deploy/);
  });

  it('warns about Vitals on X, and says it is gone from 3.5 on', () => {
    const x = node('2.8.4.1-enterprise-edition', BUNDLED, {
      configuration: { database: 'postgres', vitals: true },
    });
    const c = check(runPreflightChecks(input({ x, expectedYVersion: '3.9.1.0' })), 'vitals');
    expect(c.status).toBe('warn');
    expect(c.detail).toContain('3.5');
  });

  it('covers RLA strategies, redis policy, 2.8 default policy, and skips local and disabled plugins', () => {
    const checks = runPreflightChecks(
      input({
        x: node('2.8.4', BUNDLED),
        y: node('3.9.1', [...BUNDLED, 'rate-limiting-advanced']),
        xEntities: {
          routes: [],
          plugins: [
            plugin(
              'rla',
              'rate-limiting-advanced',
              { limit: [10, 100], window_size: [60, 3600], strategy: 'redis' },
              {
                service: { id: 'svc-1' },
              },
            ),
            plugin('rla-local', 'rate-limiting-advanced', {
              limit: [5],
              window_size: [1],
              strategy: 'local',
            }),
            plugin('rl-default', 'rate-limiting', { second: 5 }, { route: { id: 'route-9' } }),
            plugin('rl-local', 'rate-limiting', { minute: 5, policy: 'local' }),
            plugin('rl-off', 'rate-limiting', { minute: 5, policy: 'cluster' }, { enabled: false }),
          ],
        },
      }),
    );
    expect(check(checks, 'rate-limiting-counters').items).toEqual([
      'rate-limiting rl-default on route route-9: policy cluster, windows second=5',
      'rate-limiting-advanced rla on service svc-1: strategy redis, window_size 60s, 3600s (limits 10, 100)',
    ]);
  });

  it('fails on paths the 3.x regex engine rejects, unless Y keeps router_flavor=traditional', () => {
    const routes = [
      route('r1', ['~/a/(?=b)'], 'lookahead'),
      route('r2', ['~/x/(\\d)/\\1']),
      route('r3', ['/plain']),
    ];
    const fail = check(runPreflightChecks(input({ xEntities: { routes, plugins: [] } })), 'regex-atc');
    expect(fail.status).toBe('fail');
    expect(fail.items).toEqual([
      'route lookahead: path ~/a/(?=b) ((?=: look-ahead is not supported)',
      'route r2: path ~/x/(\\d)/\\1 (\\1: backreferences (and octal escapes) are not supported)',
    ]);
    const y = node('3.9.1', BUNDLED, { configuration: { routerFlavor: 'traditional' } });
    expect(
      runPreflightChecks(input({ y, xEntities: { routes, plugins: [] } })).some((c) => c.id === 'regex-atc'),
    ).toBe(false);
  });

  it.each([
    ['3.8.1', '3.9.1', 'pass'],
    ['3.9.0', '3.9.1', 'pass'],
    ['2.8.4.1-enterprise-edition', '3.4.3.12', 'pass'],
    ['2.8.4', '3.9.1', 'warn'],
    ['3.4.3', '3.9.1', 'warn'],
    ['2.0.5', '3.4.0', 'fail'],
    ['1.5.0', '3.0.0', 'fail'],
    ['1.5.0', '2.8.4', 'warn'],
  ])('upgrade path %s → %s is %s', (xv, yv, status) => {
    const checks = runPreflightChecks(
      input({ x: node(xv, BUNDLED), y: node(yv, BUNDLED), expectedYVersion: yv }),
    );
    expect(check(checks, 'upgrade-path').status).toBe(status);
  });

  it('checks database reachability when statuses are given', () => {
    const server = {
      connectionsActive: 1,
      connectionsReading: 0,
      connectionsWriting: 0,
      connectionsWaiting: 0,
      connectionsAccepted: 1,
      connectionsHandled: 1,
      totalRequests: 1,
    };
    const checks = runPreflightChecks(
      input({
        xStatus: { database: { reachable: false }, server },
        yStatus: { database: { reachable: false }, server },
      }),
    );
    expect(check(checks, 'database-x').status).toBe('fail');
    expect(check(checks, 'database-y').status).toBe('warn');
  });
});
