import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  configFingerprintSchema,
  diffFingerprints,
  fingerprintConfig,
} from '../../src/kong/fingerprint.js';
import type { KongSnapshot } from '../../src/kong/kong-admin.js';

function uuid(kind: number, n: number): string {
  return `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${n.toString(16).padStart(12, '0')}`;
}

function snapshot(routes = 50): KongSnapshot {
  return {
    services: [{ id: uuid(1, 1), name: 'orders', host: 'orders.internal', port: 80, tags: null }],
    routes: Array.from({ length: routes }, (_, i) => ({
      id: uuid(2, i),
      name: `route-${i}`,
      paths: [`/r${i}`],
      protocols: ['http', 'https'],
      regex_priority: 0,
      service: { id: uuid(1, 1) },
      tags: null,
      strip_path: true,
    })),
    plugins: [
      { id: uuid(3, 1), name: 'rate-limiting', config: { minute: 100, policy: 'local' }, enabled: true },
    ],
    consumers: [{ id: uuid(4, 1), username: 'alice', custom_id: null }],
    upstreams: [{ id: uuid(5, 1), name: 'orders.internal' }],
    targets: [{ id: uuid(6, 1), target: '10.0.0.5:8080', weight: 100, upstream: { id: uuid(5, 1) } }],
    certificates: [
      { id: uuid(7, 1), cert: '-----BEGIN CERTIFICATE-----', key: '-----BEGIN PRIVATE KEY-----' },
    ],
    snis: [],
    ca_certificates: [],
    keyauth_credentials: [{ id: uuid(9, 1), key: 'super-secret-key', consumer: { id: uuid(4, 1) } }],
  };
}

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });
});

describe('fingerprintConfig / diffFingerprints', () => {
  it('is identical for the same configuration listed in another order (entities and keys)', () => {
    const a = snapshot();
    const b = snapshot();
    b.routes.reverse();
    b.routes[0] = Object.fromEntries(
      Object.entries(b.routes[0] ?? {}).reverse(),
    ) as (typeof b.routes)[number];
    expect(fingerprintConfig(b)).toEqual(fingerprintConfig(a));
    expect(diffFingerprints(fingerprintConfig(a), fingerprintConfig(b))).toEqual([]);
  });

  it('reports exactly the one route that changed', () => {
    const before = fingerprintConfig(snapshot());
    const s = snapshot();
    const r = s.routes[17];
    if (!r) throw new Error('fixture');
    r.paths = ['/r17', '/extra'];
    const after = fingerprintConfig(s);
    expect(after.digest).not.toBe(before.digest);
    expect(diffFingerprints(before, after)).toEqual([
      { type: 'routes', id: uuid(2, 17), name: 'route-17', change: 'changed' },
    ]);
  });

  it('detects a change to an unknown (passthrough) field and to a nested config value', () => {
    const before = fingerprintConfig(snapshot());
    const s = snapshot();
    (s.routes[3] as Record<string, unknown>).strip_path = false;
    const p = s.plugins[0];
    if (!p) throw new Error('fixture');
    p.config = { minute: 101, policy: 'local' };
    const changes = diffFingerprints(before, fingerprintConfig(s));
    expect(changes.map((c) => `${c.type}:${c.change}`)).toEqual(['routes:changed', 'plugins:changed']);
    expect(changes[1]).toMatchObject({ id: uuid(3, 1), name: 'rate-limiting' });
  });

  it('detects additions and removals across types, sorted by type then id', () => {
    const before = fingerprintConfig(snapshot());
    const s = snapshot();
    s.routes.splice(5, 1);
    s.routes.push({ id: uuid(2, 999), name: 'new-route', paths: ['/new'] });
    s.consumers.push({ id: uuid(4, 0), username: null, custom_id: 'cust-0' });
    s.keyauth_credentials = [];
    const changes = diffFingerprints(before, fingerprintConfig(s));
    expect(changes).toEqual([
      { type: 'routes', id: uuid(2, 5), name: 'route-5', change: 'removed' },
      { type: 'routes', id: uuid(2, 999), name: 'new-route', change: 'added' },
      { type: 'consumers', id: uuid(4, 0), name: 'cust-0', change: 'added' },
      { type: 'keyauth_credentials', id: uuid(9, 1), change: 'removed' },
    ]);
  });

  it('never carries a secret and survives a JSON round trip (jsonb) with the schema', () => {
    const fp = fingerprintConfig(snapshot());
    const json = JSON.stringify(fp);
    expect(json).not.toContain('super-secret-key');
    expect(json).not.toContain('PRIVATE KEY');
    const back = configFingerprintSchema.parse(JSON.parse(json));
    expect(back).toEqual(fp);
    expect(diffFingerprints(back, fp)).toEqual([]);
  });

  it('treats a type missing from an older fingerprint as empty', () => {
    const fp = fingerprintConfig(snapshot());
    const older = { ...fp, digest: 'old', types: { ...fp.types } };
    delete older.types.keyauth_credentials;
    expect(diffFingerprints(older, fp)).toEqual([
      { type: 'keyauth_credentials', id: uuid(9, 1), change: 'added' },
    ]);
  });

  it('stays compact for 10,000 routes', () => {
    const s = snapshot(10_000);
    const fp = fingerprintConfig(s);
    const s2 = snapshot(10_000);
    (s2.routes[9_999] as Record<string, unknown>).regex_priority = 5;
    const changes = diffFingerprints(fp, fingerprintConfig(s2));
    expect(changes).toHaveLength(1);
    // ~70 bytes per entity: well under a megabyte of jsonb for 10k entities
    expect(JSON.stringify(fp).length).toBeLessThan(10_000 * 100);
  });
});
