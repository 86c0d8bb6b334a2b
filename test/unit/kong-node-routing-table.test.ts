import { describe, expect, it } from 'vitest';
import { matchRoute, type RouteEntry, type RoutingTable } from '../../src/sandbox/kong-node/routing-table.js';

const entry = (over: Partial<RouteEntry>): RouteEntry => ({
  routeId: over.routeLabel ?? 'r',
  routeLabel: 'r',
  serviceLabel: 's',
  servicePath: null,
  methods: null,
  hosts: null,
  stripPath: true,
  ...over,
});

const table = (entries: RouteEntry[]): RoutingTable => ({
  entries,
  prometheusEnabled: true,
  perConsumer: false,
  prometheusFlags: { statusCodes: true, latency: true, bandwidth: true },
});

describe('matchRoute', () => {
  // loadRoutingTable orders entries: regex first, then longest prefix first.
  const t = table([
    entry({ routeLabel: 'regex', regex: /^(?:\/orders\/\d+\/items)/ }),
    entry({ routeLabel: 'long', prefix: '/orders/v1' }),
    entry({ routeLabel: 'short', prefix: '/orders', stripPath: false }),
    entry({ routeLabel: 'get-only', prefix: '/reports', methods: ['GET'] }),
    entry({ routeLabel: 'hosted', prefix: '/h', hosts: ['*.example.test'], servicePath: '/api/' }),
  ]);

  it('prefers regex routes, then the longest prefix', () => {
    expect(matchRoute(t, 'GET', '', '/orders/42/items/x')?.entry.routeLabel).toBe('regex');
    expect(matchRoute(t, 'GET', '', '/orders/v1/abc')?.entry.routeLabel).toBe('long');
    expect(matchRoute(t, 'GET', '', '/orders/abc')?.entry.routeLabel).toBe('short');
    expect(matchRoute(t, 'GET', '', '/nothing')).toBeUndefined();
  });

  it('strips the matched path unless strip_path is false, and prepends the service path', () => {
    expect(matchRoute(t, 'GET', '', '/orders/v1/abc')?.upstreamPath).toBe('/abc');
    expect(matchRoute(t, 'GET', '', '/orders/v1')?.upstreamPath).toBe('/');
    expect(matchRoute(t, 'GET', '', '/orders/abc')?.upstreamPath).toBe('/orders/abc');
    expect(matchRoute(t, 'GET', 'a.example.test', '/h/x')?.upstreamPath).toBe('/api/x');
  });

  it('honours methods and hosts', () => {
    expect(matchRoute(t, 'POST', '', '/reports')).toBeUndefined();
    expect(matchRoute(t, 'GET', '', '/reports')?.entry.routeLabel).toBe('get-only');
    expect(matchRoute(t, 'GET', 'other.test', '/h/x')).toBeUndefined();
  });
});
