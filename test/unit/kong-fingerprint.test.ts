import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  configFingerprintSchema,
  diffFingerprints,
  fingerprintConfig,
  fingerprintWorkspaces,
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
    acls: [{ id: uuid(10, 1), group: 'admins', consumer: { id: uuid(4, 1) } }],
    basicauth_credentials: [{ id: uuid(11, 1), username: 'alice', password: 'hashed' }],
    hmacauth_credentials: [],
    jwt_secrets: [{ id: uuid(12, 1), key: 'iss-1', secret: 's3cret', algorithm: 'HS256' }],
    oauth2_credentials: [],
    vaults: [{ id: uuid(13, 1), prefix: 'env-vault', name: 'env', config: { prefix: 'KONG_' } }],
    key_sets: [],
    keys: [],
    filter_chains: [],
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

  it("ignores Kong's ttl countdown: the same TTL'd key read 2 s apart is unchanged", () => {
    const t0 = new Date('2026-06-01T12:00:00Z');
    const a = snapshot();
    const b = snapshot();
    (a.keyauth_credentials[0] as Record<string, unknown>).ttl = 3600;
    (b.keyauth_credentials[0] as Record<string, unknown>).ttl = 3598;
    const before = fingerprintConfig(a, t0);
    expect(diffFingerprints(before, fingerprintConfig(b, new Date(t0.getTime() + 2000)))).toEqual([]);
  });

  it("a TTL'd key gone after its expiry expired (not drift); gone before it, it was deleted (drift)", () => {
    const t0 = new Date('2026-06-01T12:00:00Z');
    const a = snapshot();
    (a.keyauth_credentials[0] as Record<string, unknown>).ttl = 60;
    const before = fingerprintConfig(a, t0);
    const gone = snapshot();
    gone.keyauth_credentials = [];
    expect(diffFingerprints(before, fingerprintConfig(gone), new Date(t0.getTime() + 61_000))).toEqual([]);
    expect(diffFingerprints(before, fingerprintConfig(gone), new Date(t0.getTime() + 10_000))).toEqual([
      { type: 'keyauth_credentials', id: uuid(9, 1), change: 'removed' },
    ]);
  });

  it('covers ACLs, basic-auth, JWT credentials and vaults, named without secrets', () => {
    const before = fingerprintConfig(snapshot());
    const s = snapshot();
    (s.acls[0] as Record<string, unknown>).group = 'root';
    (s.basicauth_credentials[0] as Record<string, unknown>).password = 'other';
    (s.jwt_secrets[0] as Record<string, unknown>).secret = 'changed';
    (s.vaults[0] as Record<string, unknown>).config = { prefix: 'OTHER_' };
    s.hmacauth_credentials.push({ id: uuid(14, 1), username: 'bob', secret: 'x' } as never);
    const changes = diffFingerprints(before, fingerprintConfig(s));
    expect(changes.map((c) => `${c.type}:${c.name ?? ''}:${c.change}`)).toEqual([
      'acls:root:changed',
      'basicauth_credentials:alice:changed',
      'hmacauth_credentials:bob:added',
      'jwt_secrets::changed',
      'vaults:env-vault:changed',
    ]);
    expect(JSON.stringify(fingerprintConfig(s))).not.toContain('s3cret');
  });

  it('per workspace: a change in the second workspace names it; the same id in two workspaces is kept apart', () => {
    const before = fingerprintWorkspaces({ default: snapshot(), team: snapshot(3) });
    expect(
      diffFingerprints(before, fingerprintWorkspaces({ default: snapshot(), team: snapshot(3) })),
    ).toEqual([]);
    const team = snapshot(3);
    (team.routes[1] as Record<string, unknown>).paths = ['/changed'];
    const changes = diffFingerprints(before, fingerprintWorkspaces({ default: snapshot(), team }));
    expect(changes).toEqual([
      { type: 'routes', id: uuid(2, 1), name: 'route-1', change: 'changed', workspace: 'team' },
    ]);
    expect(before.types.routes?.count).toBe(50);
    const json = configFingerprintSchema.parse(JSON.parse(JSON.stringify(before)));
    expect(json).toEqual(before);
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
