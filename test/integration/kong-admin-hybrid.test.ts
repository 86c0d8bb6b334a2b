import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDataPlanes } from '../../src/engine/check-data-planes.js';
import { waitForDataPlanes } from '../../src/engine/wait-for-data-planes.js';
import { createKongAdmin } from '../../src/kong/create-kong-admin.js';
import { dataPlaneChecks } from '../../src/kong/data-plane-checks.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// A simulated hybrid control plane (real HTTP, real PostgreSQL) and a traditional node beside it.
let db: TestDatabase;
let cp: SimulatedKongNode;
let traditional: SimulatedKongNode;

beforeAll(async () => {
  db = await createTestDatabase('kub_konghybrid');
  await seedKongDatabase(db.url, { version: '3.9.1', services: 2, routesPerService: 1, consumers: 2 });
  cp = await startSimulatedKongNode({
    databaseUrl: db.url,
    version: '3.9.1',
    role: 'control_plane',
    dataPlanes: [
      { hostname: 'dp-a', ip: '10.2.0.1' },
      { hostname: 'dp-b', ip: '10.2.0.2' },
      { hostname: 'dp-c', ip: '10.2.0.3' },
    ],
  });
  traditional = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.9.1' });
});

afterAll(async () => {
  await Promise.allSettled([cp?.close(), traditional?.close()]);
  await db?.drop();
});

const admin = (node: SimulatedKongNode, pageSize = 1000) =>
  createKongAdmin({ adminUrl: node.adminUrl, pageSize, retries: 0 });

describe('hybrid mode against the simulated control plane', () => {
  it('reads every data plane across pages (size 1), and the node reports role control_plane', async () => {
    const planes = await admin(cp, 1).dataPlanes();
    expect(planes.map((p) => p.hostname).sort()).toEqual(['dp-a', 'dp-b', 'dp-c']);
    expect(planes.every((p) => p.syncStatus === 'normal' && /^[0-9a-f]{32}$/.test(p.configHash))).toBe(true);
    expect((await admin(cp).info()).configuration.role).toBe('control_plane');
    expect(await checkDataPlanes(admin(cp), { minDataPlanes: 3 })).toEqual({
      ready: true,
      connected: 3,
      problems: [],
    });
  });

  it('a traditional node is not judged; its /clustering/data-planes answers 400 as Kong does', async () => {
    expect(await checkDataPlanes(admin(traditional), {})).toBeNull();
    await expect(admin(traditional).dataPlanes()).rejects.toMatchObject({ code: 'E_KONG_BAD_RESPONSE' });
  });

  it('too few data planes, one disconnected, one newer than the CP: each named', async () => {
    expect((await checkDataPlanes(admin(cp), { minDataPlanes: 4 }))?.problems).toEqual([
      'only 3 of the required 4 data planes seen in the last 60 s',
    ]);
    cp.setDataPlane('dp-c', { version: '3.10.0' });
    expect((await checkDataPlanes(admin(cp), { minDataPlanes: 3 }))?.problems).toEqual([
      "dp-c (10.2.0.3): runs 3.10.0, newer than the control plane's 3.9.1",
    ]);
    const checks = dataPlaneChecks(
      { x: null, y: { version: '3.9.1', dataPlanes: await admin(cp).dataPlanes(), min: 3 } },
      new Date(),
    );
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ id: 'data-planes-y', status: 'warn' });
    expect(checks[0]?.detail).toMatch(/dp-c \(10\.2\.0\.3\)/);
    expect(checks[0]?.remedy).toMatch(/upgrade the control plane first, then the data planes/);
    cp.setDataPlane('dp-c', { version: '3.9.1' });
  });

  it('waits for a data plane to recover, naming it once; times out with every problem named', async () => {
    cp.setDataPlane('dp-b', { syncStatus: 'plugin_set_incompatible' });
    const seen: string[][] = [];
    const waiting = waitForDataPlanes({
      admin: admin(cp),
      cluster: { minDataPlanes: 3 },
      timeoutMs: 10_000,
      intervalMs: 100,
      signal: new AbortController().signal,
      onProblems: (p) => {
        seen.push(p);
      },
    });
    await new Promise((r) => setTimeout(r, 500));
    cp.setDataPlane('dp-b', { syncStatus: 'normal' });
    expect((await waiting)?.ready).toBe(true);
    expect(seen).toEqual([['dp-b (10.2.0.2): sync_status plugin_set_incompatible']]);

    cp.setDataPlane('dp-a', { configHash: '1'.repeat(32) });
    await expect(
      waitForDataPlanes({
        admin: admin(cp),
        cluster: { minDataPlanes: 3 },
        timeoutMs: 300,
        intervalMs: 100,
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({
      code: 'E_DATA_PLANES_NOT_READY',
      message: expect.stringMatching(/dp-a \(10\.2\.0\.1\): config_hash 111111111111… differs/),
    });
    cp.setDataPlane('dp-a', { configHash: null });
  });

  it('rejects bad simulator input with a clear message', () => {
    expect(() => cp.setDataPlane('nope', { syncStatus: 'normal' })).toThrow(/No simulated data plane/);
    expect(() => cp.setDataPlane('dp-a', { syncStatus: 'fine' })).toThrow(/not a Kong sync_status/);
  });

  it('an OSS node has no workspaces', async () => {
    expect(await admin(traditional).workspaces()).toBeNull();
  });
});
