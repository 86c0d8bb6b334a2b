import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterState, waitForCluster } from '../../src/deploy/wait-for-cluster.js';
import { type AppError, isAppError } from '../../src/errors.js';
import { createKongAdmin } from '../../src/kong/create-kong-admin.js';
import { createKongSchema } from '../../src/sandbox/create-kong-schema.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
const nodes: SimulatedKongNode[] = [];

async function node(version: string): Promise<SimulatedKongNode> {
  const n = await startSimulatedKongNode({ databaseUrl: db.url, version });
  nodes.push(n);
  return n;
}

const adminOf = (url: string) => createKongAdmin({ adminUrl: url, timeoutMs: 1000, retries: 0 });

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected the promise to reject');
}

beforeAll(async () => {
  db = await createTestDatabase('kub_deploy_wait');
  await createKongSchema(db.url, { version: '3.9.1' });
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  await db?.drop();
});

describe('waitForCluster against a simulated Kong node', () => {
  it('waits while Y reports the old version and returns once it reports the expected one', async () => {
    const y = await node('3.4.2');
    const states: ClusterState[] = [];
    setTimeout(() => y.setVersion('3.9.1'), 400);
    const result = await waitForCluster({
      admin: adminOf(y.adminUrl),
      expectedVersion: '3.9.1',
      timeoutMs: 10_000,
      intervalMs: 100,
      onState: (s) => {
        states.push(s);
      },
    });
    expect(result.version).toBe('3.9.1');
    expect(result.polls).toBeGreaterThan(1);
    expect(states[0]).toEqual({ kind: 'wrong_version', version: '3.4.2' });
    expect(states.at(-1)).toEqual({ kind: 'ready', version: '3.9.1' });
  });

  it('accepts an edition suffix of the same version', async () => {
    const y = await node('3.4.3.12-enterprise-edition');
    const result = await waitForCluster({
      admin: adminOf(y.adminUrl),
      expectedVersion: '3.4.3.12',
      timeoutMs: 5000,
      intervalMs: 100,
    });
    expect(result.version).toBe('3.4.3.12-enterprise-edition');
  });

  it('times out with E_DEPLOY_TIMEOUT naming the last version seen', async () => {
    const y = await node('3.4.2');
    const started = Date.now();
    const err = await failure(
      waitForCluster({
        admin: adminOf(y.adminUrl),
        expectedVersion: '3.9.1',
        timeoutMs: 700,
        intervalMs: 100,
      }),
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.code).toBe('E_DEPLOY_TIMEOUT');
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(
      'Y was not healthy at version 3.9.1 within 1 s. Last seen: Y answered version 3.4.2, expected 3.9.1.',
    );
    expect(err.details.lastState).toEqual({ kind: 'wrong_version', version: '3.4.2' });
    expect(typeof err.details.remedy).toBe('string');
  });

  it('does not accept the right version while the database is unreachable', async () => {
    const y = await node('3.9.1');
    y.setHealthy(false);
    const err = await failure(
      waitForCluster({
        admin: adminOf(y.adminUrl),
        expectedVersion: '3.9.1',
        timeoutMs: 600,
        intervalMs: 100,
      }),
    );
    expect(err.code).toBe('E_DEPLOY_TIMEOUT');
    expect(err.message).toContain('Y answered (version 3.9.1), but reports its database as unreachable');
    y.setHealthy(true);
    const ok = await waitForCluster({
      admin: adminOf(y.adminUrl),
      expectedVersion: '3.9.1',
      timeoutMs: 5000,
      intervalMs: 100,
    });
    expect(ok.polls).toBe(1);
  });

  it("says when Y's Admin API does not answer at all", async () => {
    const gone = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.9.1' });
    await gone.close();
    const err = await failure(
      waitForCluster({
        admin: adminOf(gone.adminUrl),
        expectedVersion: '3.9.1',
        timeoutMs: 500,
        intervalMs: 100,
      }),
    );
    expect(err.code).toBe('E_DEPLOY_TIMEOUT');
    expect(err.message).toContain("Last seen: Y's Admin API did not answer:");
    expect(err.details.lastState).toMatchObject({ kind: 'unreachable' });
  });

  it('stops when the signal aborts', async () => {
    const y = await node('3.4.2');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('run moved on')), 300);
    const started = Date.now();
    const err = await failure(
      waitForCluster({
        admin: adminOf(y.adminUrl),
        expectedVersion: '3.9.1',
        timeoutMs: 30_000,
        intervalMs: 100,
        signal: controller.signal,
      }),
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.message).toContain('cancelled');
    expect(err.retryable).toBe(true);
  });
});
