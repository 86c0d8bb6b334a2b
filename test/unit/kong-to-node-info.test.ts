import { describe, expect, it } from 'vitest';
import { kongPluginSchema, kongRootSchema, kongRouteSchema } from '../../src/kong/kong-schemas.js';
import { toKongNodeInfo } from '../../src/kong/to-kong-node-info.js';

const minimal = { version: '3.9.0', plugins: { available_on_server: {} } };

describe('toKongNodeInfo', () => {
  it('accepts a list of plugin names and skips plugins flagged false', () => {
    const a = toKongNodeInfo(
      kongRootSchema.parse({ ...minimal, plugins: { available_on_server: ['b', 'a', 'a'] } }),
    );
    expect(a.plugins.availableOnServer).toEqual(['a', 'b']);
    const b = toKongNodeInfo(
      kongRootSchema.parse({ ...minimal, plugins: { available_on_server: { x: true, y: false } } }),
    );
    expect(b.plugins.availableOnServer).toEqual(['x']);
  });

  it.each([
    ['on', true],
    ['off', false],
    [true, true],
    [false, false],
    ['maybe', undefined],
  ])('normalises vitals %j', (vitals, expected) => {
    const info = toKongNodeInfo(kongRootSchema.parse({ ...minimal, configuration: { vitals } }));
    expect(info.configuration.vitals).toBe(expected);
  });

  it('fills defaults for a sparse root and derives the Enterprise edition from the version', () => {
    const info = toKongNodeInfo(kongRootSchema.parse({ ...minimal, version: '3.4.3.12-enterprise-edition' }));
    expect(info).toEqual({
      version: '3.4.3.12-enterprise-edition',
      edition: 'enterprise',
      hostname: '',
      nodeId: '',
      plugins: { availableOnServer: [], enabledInCluster: [] },
      configuration: {},
    });
  });

  it('rejects a root without a version or plugins', () => {
    expect(kongRootSchema.safeParse({ plugins: { available_on_server: {} } }).success).toBe(false);
    expect(kongRootSchema.safeParse({ version: '3.9.0' }).success).toBe(false);
  });
});

describe('entity schemas', () => {
  it('accept 2.8 rows (no instance_name/updated_at) and keep unknown fields', () => {
    const p = kongPluginSchema.parse({
      id: 'p',
      name: 'acl',
      config: { allow: ['a'] },
      run_on: 'first',
      route: null,
    });
    expect(p).toMatchObject({ run_on: 'first', route: null });
    const r = kongRouteSchema.parse({ id: 'r', paths: null, name: null, expression: 'http.path == "/"' });
    expect(r.paths).toBeNull();
    expect(r).toHaveProperty('expression');
  });

  it('reject rows missing what later code relies on', () => {
    expect(kongPluginSchema.safeParse({ id: 'p', config: {} }).success).toBe(false);
    expect(kongRouteSchema.safeParse({ id: 'r', paths: '/x' }).success).toBe(false);
  });
});
