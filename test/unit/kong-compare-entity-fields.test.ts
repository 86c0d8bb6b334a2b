import { describe, expect, it } from 'vitest';
import { compareEntityFields, formatEntityFieldDifferences } from '../../src/kong/compare-entity-fields.js';
import { KONG_ENTITY_TYPES, type KongSnapshot } from '../../src/kong/kong-entity-types.js';

function snapshot(parts: Partial<KongSnapshot>): KongSnapshot {
  const empty = Object.fromEntries(KONG_ENTITY_TYPES.map((t) => [t, []])) as unknown as KongSnapshot;
  return { ...empty, ...parts };
}

const jwtSigner = (config: Record<string, unknown>) => ({
  id: 'p1',
  name: 'jwt-signer',
  config,
  enabled: true,
});

describe('compareEntityFields (verify, Admin API X vs Y)', () => {
  it("treats 3.13's empty records as {} and older [] as equal, and ignores fields one version lacks", () => {
    const x = snapshot({ plugins: [jwtSigner({ add_claims: [], set_claims: {}, ttl: 600 })] });
    const y = snapshot({
      plugins: [
        { ...jwtSigner({ add_claims: {}, set_claims: [], ttl: 600, new_in_y: true }), updated_at: 1 },
      ],
    });
    expect(compareEntityFields(x, y)).toEqual([]);
    expect(formatEntityFieldDifferences([], 1)).toContain('✅ 1 entities');
  });

  it('still reports real differences, naming the entity and field', () => {
    const x = snapshot({
      plugins: [jwtSigner({ add_claims: [], ttl: 600 })],
      services: [{ id: 's1', name: 'orders', port: 80 }],
    });
    const y = snapshot({
      plugins: [jwtSigner({ add_claims: { iss: 'me' }, ttl: 300 })],
      services: [{ id: 's1', name: 'orders', port: 8080 }],
    });
    const diffs = compareEntityFields(x, y);
    expect(diffs).toEqual([
      { type: 'services', id: 's1', name: 'orders', fields: ['port'] },
      { type: 'plugins', id: 'p1', name: 'jwt-signer', fields: ['config.add_claims', 'config.ttl'] },
    ]);
    expect(formatEntityFieldDifferences(diffs, 2)).toContain(
      'services orders: port; plugins jwt-signer: config.add_claims, config.ttl',
    );
  });

  it("accepts the 3.0 migration's ~ on regex paths only when crossing 2.x → 3.x", () => {
    const x = snapshot({ routes: [{ id: 'r1', paths: ['/orders/\\d+'] }] });
    const y = snapshot({ routes: [{ id: 'r1', paths: ['~/orders/\\d+'] }] });
    expect(compareEntityFields(x, y, { xMajor: 2, yMajor: 3 })).toEqual([]);
    expect(compareEntityFields(x, y, { xMajor: 3, yMajor: 3 })).toEqual([
      { type: 'routes', id: 'r1', fields: ['paths'] },
    ]);
  });
});
