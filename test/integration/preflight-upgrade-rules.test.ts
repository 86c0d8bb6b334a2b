import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKongAdmin } from '../../src/kong/create-kong-admin.js';
import type { KongNodeInfo, KongSnapshot } from '../../src/kong/kong-admin.js';
import type { PreflightCheck } from '../../src/kong/preflight-check.js';
import { runPreflightChecks } from '../../src/kong/preflight-checks.js';
import { readUpgradeFacts, type UpgradeFacts } from '../../src/kong/read-upgrade-facts.js';
import { bundledPlugins } from '../../src/sandbox/kong-node/node-info.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const X_VERSION = '3.10.0.3';
const Y_VERSION = '3.15.0.4';

/**
 * X's database (Kong 3.10 Enterprise schema) seeded as usual, plus entities that trigger each upgrade
 * rule and look-alikes that must not.
 */
async function addRuleEntities(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const ws = (await client.query<{ id: string }>("SELECT id FROM workspaces WHERE name = 'default'"))
      .rows[0]?.id;
    await client.query(
      `INSERT INTO services (id, name, protocol, host, port, tls_verify, enabled, ws_id) VALUES
        (gen_random_uuid(), 'tls-unset', 'https', 'a.internal', 443, NULL, true, $1),
        (gen_random_uuid(), 'tls-off', 'grpcs', 'b.internal', 443, false, true, $1),
        (gen_random_uuid(), 'tls-pinned', 'https', 'c.internal', 443, true, true, $1),
        (gen_random_uuid(), 'plain-http', 'http', 'd.internal', 80, NULL, true, $1)`,
      [ws],
    );
    await client.query(
      `INSERT INTO routes (id, name, protocols, paths, headers, ws_id) VALUES
        (gen_random_uuid(), 'lookahead', '{https}', '{"~/api/(?!internal)"}', NULL, $1),
        (gen_random_uuid(), 'brace', '{https}', '{"~/items/{id}"}', NULL, $1),
        (gen_random_uuid(), 'header-lookahead', '{https}', '{/h}', '{"x-version": ["~*v(?=1)"]}', $1),
        (gen_random_uuid(), 'header-fine', '{https}', '{/g}', '{"x-version": ["~*v\\\\d+", "v2"]}', $1),
        (gen_random_uuid(), 'plain-lookalike', '{https}', '{"/docs/(?=x)"}', NULL, $1)`,
      [ws],
    );
    await client.query(
      `INSERT INTO plugins (id, name, config, enabled, cache_key, protocols, ws_id) VALUES
        (gen_random_uuid(), 'basic-auth', '{"hide_credentials": true}', true, 'p:basic-auth', '{http,https}', $1),
        (gen_random_uuid(), 'my-auth', '{}', true, 'p:my-auth', '{http,https}', $1)`,
      [ws],
    );
    await client.query(
      `INSERT INTO workspaces (id, name, config, meta) VALUES
        (gen_random_uuid(), 'services', '{}', '{}'), (gen_random_uuid(), 'team-a', '{}', '{}')`,
    );
  } finally {
    await client.end();
  }
}

describe('preflight upgrade rules against a seeded X (3.10 Enterprise) and Y (3.15)', () => {
  let xDb: TestDatabase;
  let yDb: TestDatabase;
  let x: SimulatedKongNode;
  let y: SimulatedKongNode;
  let xInfo: KongNodeInfo;
  let yInfo: KongNodeInfo;
  let snapshot: KongSnapshot;
  let facts: UpgradeFacts;

  beforeAll(async () => {
    xDb = await createTestDatabase('kub_rulesx');
    yDb = await createTestDatabase('kub_rulesy');
    await seedKongDatabase(xDb.url, {
      version: X_VERSION,
      services: 3,
      consumers: 5,
      regexRoutes: 1,
      seed: 5,
    });
    await addRuleEntities(xDb.url);
    const plugins = (v: string) => [...bundledPlugins(v), 'my-auth'];
    x = await startSimulatedKongNode({
      databaseUrl: xDb.url,
      version: X_VERSION,
      availablePlugins: plugins(X_VERSION),
      pluginVersions: { 'my-auth': '1.2.0' },
      pluginsSetting: ['bundled', 'my-auth'],
    });
    y = await startSimulatedKongNode({
      databaseUrl: yDb.url,
      version: Y_VERSION,
      availablePlugins: plugins(Y_VERSION),
      pluginVersions: { 'my-auth': '2.0.0' },
      pluginsSetting: ['bundled'],
    });
    const xAdmin = createKongAdmin({ adminUrl: x.adminUrl, retries: 0 });
    const yAdmin = createKongAdmin({ adminUrl: y.adminUrl, retries: 0 });
    [xInfo, yInfo, snapshot, facts] = await Promise.all([
      xAdmin.info(),
      yAdmin.info(),
      xAdmin.snapshot(),
      readUpgradeFacts({ adminUrl: x.adminUrl }, { adminUrl: y.adminUrl }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([x?.close(), y?.close()]);
    await Promise.allSettled([xDb?.drop(), yDb?.drop()]);
  });

  function checks(expectedYVersion = Y_VERSION): PreflightCheck[] {
    return runPreflightChecks({
      x: xInfo,
      y: yInfo,
      expectedYVersion,
      xEntities: { routes: snapshot.routes, plugins: snapshot.plugins, services: snapshot.services },
      ...facts,
      pgDump: { clientMajor: 16, serverMajor: 16 },
    });
  }
  function check(id: string, expectedYVersion = Y_VERSION): PreflightCheck {
    const c = checks(expectedYVersion).find((k) => k.id === id);
    if (!c) throw new Error(`no check ${id}`);
    return c;
  }
  const items = (c: PreflightCheck) => (c.items ?? []).join('\n');

  it('3.10 → 3.15 is explained as a warning with the hops 3.10 → 3.14 → 3.15', () => {
    const c = check('upgrade-path');
    expect(c.status).toBe('warn');
    expect(c.items).toEqual(['hop 1: 3.10 → 3.14', 'hop 2: 3.14 → 3.15']);
  });

  it("fails on the route regexes 3.x's engine rejects (paths and ~* headers), naming each, and no others", () => {
    const c = check('regex-atc');
    expect(c.status).toBe('fail');
    expect(items(c)).toContain('route lookahead: path ~/api/(?!internal) ((?!: look-ahead is not supported)');
    expect(items(c)).toContain('route brace: path ~/items/{id}');
    expect(items(c)).toContain('route header-lookahead: header x-version: ~*v(?=1)');
    expect(items(c)).not.toMatch(/header-fine|plain-lookalike|orders/);
    expect(c.items).toHaveLength(3);
    expect(c.remedy).toMatch(/Rewrite these regexes on X/);
  });

  it('warns about the 3.14 defaults for the entities relying on the old ones only', () => {
    const protocols = check('defaults-314-route-protocols');
    expect(protocols.status).toBe('warn');
    expect(items(protocols)).toContain('route orders-route: protocols [http, https]');
    expect(items(protocols)).not.toMatch(/lookahead|header-fine/);
    const tls = check('defaults-314-tls-verify');
    expect(tls.status).toBe('warn');
    expect(tls.items).toEqual([
      'service tls-off: protocol grpcs, tls_verify false (updates that keep it are rejected; hybrid data planes reject the config)',
      'service tls-unset: protocol https, tls_verify unset (upstream certificates are now verified: needs a CA)',
    ]);
    const hide = check('defaults-314-hide-credentials');
    expect(hide.status).toBe('warn');
    expect(items(hide)).toMatch(/^key-auth .*: hide_credentials false/);
    expect(items(hide)).not.toContain('basic-auth');
    expect(hide.remedy).toContain('deck file convert');
  });

  it('fails on a workspace named like an Admin API path of Y, naming it', () => {
    expect(facts.xWorkspaces).toEqual(['default', 'services', 'team-a']);
    const c = check('workspace-names-315');
    expect(c.status).toBe('fail');
    expect(c.items).toEqual(['workspace services: collides with /services']);
  });

  it("warns about a plugin in use whose major differs on Y, and about Y's different plugins setting", () => {
    const versions = check('plugin-versions');
    expect(versions.status).toBe('warn');
    expect(versions.items).toEqual(['my-auth: 1.2.0 on X, 2.0.0 on Y']);
    const setting = check('plugin-setting');
    expect(setting.status).toBe('warn');
    expect(setting.items).toEqual(['my-auth: on X, not on Y']);
  });

  it('targets below 3.15 or 3.14 skip the checks of those versions', () => {
    const to314 = checks('3.14.0.1').map((c) => c.id);
    expect(to314).toContain('defaults-314-tls-verify');
    expect(to314).not.toContain('workspace-names-315');
    const to310 = checks('3.10.0.17').map((c) => c.id);
    expect(to310).not.toContain('defaults-314-tls-verify');
    expect(to310).not.toContain('workspace-names-315');
  });
});
