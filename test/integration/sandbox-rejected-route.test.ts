import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKongAdmin } from '../../src/kong/create-kong-admin.js';
import { regexEngineCheck } from '../../src/kong/regex-engine-check.js';
import { renderSandboxPage } from '../../src/sandbox/page/sandbox-page.js';
import { hasRejectedRoute, REJECTED_ROUTE_NAME, setRejectedRoute } from '../../src/sandbox/rejected-route.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { startSlackWorkspace } from '../../src/sandbox/slack-workspace/start-slack-workspace.js';
import type { SlackWorkspace } from '../../src/sandbox/slack-workspace/workspace-types.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('sandbox: a route Kong 3.x rejects, switched from the page', () => {
  let db: TestDatabase;
  let x: SimulatedKongNode;
  let ws: SlackWorkspace;

  beforeAll(async () => {
    db = await createTestDatabase('kub_sbrej');
    await seedKongDatabase(db.url, { version: '3.4.2', services: 2, consumers: 2, seed: 9 });
    x = await startSimulatedKongNode({ databaseUrl: db.url, version: '3.4.2' });
    ws = await startSlackWorkspace({
      page: {
        botUrl: 'http://127.0.0.1:9/slack/events',
        signingSecret: 'sandbox-secret',
        controls: {
          setYFaults: async () => undefined,
          setRejectedRoute: (on) => setRejectedRoute(db.url, on),
          status: async () => ({
            split: { x: 100, y: 0 },
            rates: { x: 0, y: 0 },
            faults: { errorRatio: 0, addedLatencyMs: 0 },
            rejectedRoute: await hasRejectedRoute(db.url),
          }),
        },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await ws?.close();
    await x?.close();
    await db?.drop();
  });

  async function toggle(body: unknown) {
    const res = await request(`${ws.url}/sandbox/api/controls/rejected-route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  }
  const regexCheck = async () => {
    const routes = await createKongAdmin({ adminUrl: x.adminUrl, retries: 0 }).listEntities('routes');
    return regexEngineCheck(routes, 3, 'traditional_compatible');
  };

  it('adds the route on X so that preflight fails naming it, and removes it again', async () => {
    expect(renderSandboxPage()).toContain('data-testid="rejected-route"');
    expect((await regexCheck()).status).toBe('pass');
    const on = await toggle({ on: true });
    expect(on).toMatchObject({ status: 200, json: { rejectedRoute: true } });
    expect(await toggle({ on: true })).toMatchObject({ status: 200 });
    const failing = await regexCheck();
    expect(failing.status).toBe('fail');
    expect(failing.items).toEqual([
      `route ${REJECTED_ROUTE_NAME}: path ~/orders/(?!internal) ((?!: look-ahead is not supported)`,
    ]);
    expect(await toggle({ on: false })).toMatchObject({ status: 200, json: { rejectedRoute: false } });
    expect((await regexCheck()).status).toBe('pass');
  });

  it('refuses bad input and changes nothing', async () => {
    expect((await toggle({ on: 'yes' })).status).toBe(400);
    expect((await toggle({})).status).toBe(400);
    expect(await hasRejectedRoute(db.url)).toBe(false);
  });
});
