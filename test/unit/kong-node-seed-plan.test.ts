import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planSeed, serviceName } from '../../src/sandbox/kong-node/seed-plan.js';

const base = {
  services: 20,
  routesPerService: 2,
  consumers: 50,
  keysPerConsumer: 1,
  upstreams: 3,
  targetsPerUpstream: 2,
  regexRoutes: 2,
  clusterPolicy: true,
  rateLimiting: true,
  fixedConsumers: 0,
  fixedKeys: 0,
};

const total = (p: ReturnType<typeof planSeed>) =>
  p.services +
  p.services * p.routesPerService +
  p.regexRoutes +
  p.keyAuthServices +
  p.rateLimitedServices +
  1 +
  p.upstreams * (1 + p.targetsPerUpstream) +
  3 +
  p.rateLimitingMetrics +
  p.consumers +
  p.keys +
  p.fixedConsumers +
  p.fixedKeys;

describe('planSeed', () => {
  it('fills totalRows exactly with consumers and their keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 2_000_000 }), fc.integer({ min: 0, max: 5 }), (rows, k) => {
        const p = planSeed({ ...base, keysPerConsumer: k, totalRows: rows });
        expect(total(p)).toBe(rows);
        expect(p.keys).toBeLessThanOrEqual(p.consumers * k);
        expect(p.keys).toBeGreaterThanOrEqual((p.consumers - 1) * k);
      }),
    );
  });

  it('counts key-auth (i % 3 == 0) and rate-limited (i % 5 == 1) services', () => {
    const p = planSeed(base);
    expect(p.keyAuthServices).toBe(7);
    expect(p.rateLimitedServices).toBe(4);
    expect(p.rateLimitingMetrics).toBe(8);
    expect(planSeed({ ...base, rateLimiting: false }).rateLimitedServices).toBe(0);
  });

  it('rejects totals below the fixed rows and bad numbers', () => {
    expect(() => planSeed({ ...base, totalRows: 10 })).toThrow(/totalRows 10/);
    expect(() => planSeed({ ...base, services: -1 })).toThrow(/services/);
    expect(() => planSeed({ ...base, consumers: 1.5 })).toThrow(/consumers/);
  });

  it('names services after business words, then numbered', () => {
    expect(serviceName(0)).toBe('orders');
    expect(serviceName(1)).toBe('payments');
    expect(serviceName(20)).toBe('orders-2');
    expect(serviceName(41)).toBe('payments-3');
  });
});
