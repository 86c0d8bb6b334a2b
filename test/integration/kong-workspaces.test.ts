import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDrift } from '../../src/domain/decide-observation.js';
import { compareConfigurationCounts, formatEntityCounts } from '../../src/engine/compare-entity-counts.js';
import { createKongAdmin } from '../../src/kong/create-kong-admin.js';
import { diffFingerprints } from '../../src/kong/fingerprint.js';
import { fingerprintConfiguration, readConfiguration } from '../../src/kong/read-configuration.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// Enterprise workspaces on the simulated node: X and Y, each with `default` and a second workspace.
let xDb: TestDatabase;
let yDb: TestDatabase;
let x: SimulatedKongNode;
let y: SimulatedKongNode;
const SERVICE_B = '00000000-0000-4000-8000-0000000b0001';

async function addTeamWorkspace(url: string, routes: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const ws = await c.query<{ id: string }>(
      "INSERT INTO workspaces (id, name, config, meta) VALUES (gen_random_uuid(), 'team-b', '{}', '{}') RETURNING id",
    );
    const wsId = ws.rows[0]?.id;
    // Same service name as in `default`: names are unique per workspace only.
    const name = (await c.query<{ name: string }>('SELECT name FROM services ORDER BY id LIMIT 1')).rows[0]
      ?.name;
    for (const [i, id] of [SERVICE_B, '00000000-0000-4000-8000-0000000b0002'].entries()) {
      await c.query(
        `INSERT INTO services (id, name, protocol, host, port, retries, connect_timeout, write_timeout, read_timeout, ws_id)
         VALUES ($1, $2, 'http', 'team-b.internal', 80, 5, 60000, 60000, 60000, $3)`,
        [id, i === 0 ? name : 'team-b-other', wsId],
      );
    }
    for (let i = 0; i < routes; i++) {
      await c.query(
        `INSERT INTO routes (id, name, service_id, protocols, paths, ws_id)
         VALUES (gen_random_uuid(), $1, $2, '{http,https}', $3, $4)`,
        [`team-b-route-${i}`, SERVICE_B, [`/team-b/${i}`], wsId],
      );
    }
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  xDb = await createTestDatabase('kub_kongwsx');
  yDb = await createTestDatabase('kub_kongwsy');
  const seed = { version: '3.9.1', services: 3, routesPerService: 1, consumers: 3, seed: 11 };
  await seedKongDatabase(xDb.url, seed);
  await seedKongDatabase(yDb.url, seed);
  await addTeamWorkspace(xDb.url, 2);
  await addTeamWorkspace(yDb.url, 1);
  x = await startSimulatedKongNode({ databaseUrl: xDb.url, version: '3.9.1', workspaces: true });
  y = await startSimulatedKongNode({ databaseUrl: yDb.url, version: '3.9.1', workspaces: true });
});

afterAll(async () => {
  await Promise.allSettled([x?.close(), y?.close()]);
  await Promise.allSettled([xDb?.drop(), yDb?.drop()]);
});

const admin = (node: SimulatedKongNode, pageSize = 1000) =>
  createKongAdmin({ adminUrl: node.adminUrl, pageSize, retries: 0 });

describe('Enterprise workspaces', () => {
  it('lists workspaces, and each workspace’s entities under /<workspace>/… across pages', async () => {
    expect(await admin(x).workspaces()).toEqual(['default', 'team-b']);
    const conf = await readConfiguration(admin(x, 1));
    expect(conf.workspaces?.['team-b']?.services.map((s) => s.id).sort()).toEqual([
      SERVICE_B,
      '00000000-0000-4000-8000-0000000b0002',
    ]);
    expect(conf.workspaces?.['team-b']?.routes).toHaveLength(2);
    expect(conf.workspaces?.default?.services).toHaveLength(3);
    expect(conf.all.services).toHaveLength(5);
  });

  it('a change to an entity of the second workspace is drift naming the workspace', async () => {
    const before = fingerprintConfiguration(await readConfiguration(admin(x)));
    expect(diffFingerprints(before, fingerprintConfiguration(await readConfiguration(admin(x))))).toEqual([]);
    const c = new pg.Client({ connectionString: xDb.url });
    await c.connect();
    await c.query('UPDATE services SET retries = 9 WHERE id = $1', [SERVICE_B]).finally(() => c.end());
    const drift = diffFingerprints(before, fingerprintConfiguration(await readConfiguration(admin(x))));
    expect(drift).toEqual([
      expect.objectContaining({ type: 'services', id: SERVICE_B, change: 'changed', workspace: 'team-b' }),
    ]);
    expect(describeDrift(drift)).toMatch(/^• services \S+ in workspace team-b: changed$/);
  });

  it('verify counts per workspace and names the workspace that differs', async () => {
    const counts = compareConfigurationCounts(
      await readConfiguration(admin(x)),
      await readConfiguration(admin(y)),
    );
    expect(counts.filter((c) => !c.equal)).toEqual([
      { type: 'routes', x: 2, y: 1, equal: false, workspace: 'team-b' },
    ]);
    expect(counts.find((c) => c.workspace === 'default' && c.type === 'services')).toMatchObject({
      x: 3,
      y: 3,
    });
    const table = formatEntityCounts(counts);
    expect(table).toMatch(/differ: team-b\/routes/);
    expect(table).toMatch(/default\/services/);
  });

  it('an unknown workspace is 404, as Kong answers', async () => {
    const res = await fetch(`${x.adminUrl}/nope/services`);
    expect(res.status).toBe(404);
  });
});
