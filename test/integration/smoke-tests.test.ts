import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmokeTest } from '../../src/config/environment-schema.js';
import { AppError } from '../../src/errors.js';
import { formatSmokeTable } from '../../src/kong/format-smoke-table.js';
import { runSmokeTests } from '../../src/kong/run-smoke-tests.js';
import { type SeedSummary, seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { type SimulatedKongNode, startSimulatedKongNode } from '../../src/sandbox/simulated-kong-node.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const KEY = 'smoke-key-456';
// Only on X: a credential that "did not make it" into Y's database.
const X_ONLY_KEY = 'x-only-key-789';

let xDb: TestDatabase;
let yDb: TestDatabase;
let x: SimulatedKongNode;
let y: SimulatedKongNode;
let ySeed: SeedSummary;

const small = { services: 3, routesPerService: 1, consumers: 2, upstreams: 1, regexRoutes: 0 } as const;

function test(name: string, request: Partial<SmokeTest['request']>, expect: SmokeTest['expect']): SmokeTest {
  return { name, request: { method: 'GET', path: '/orders', headers: {}, ...request }, expect };
}

beforeAll(async () => {
  [xDb, yDb] = await Promise.all([createTestDatabase('kub_smoke_x'), createTestDatabase('kub_smoke_y')]);
  [, ySeed] = await Promise.all([
    seedKongDatabase(xDb.url, {
      ...small,
      version: '2.8.4',
      keys: [
        { consumer: 'smoke', key: KEY },
        { consumer: 'legacy', key: X_ONLY_KEY },
      ],
    }),
    seedKongDatabase(yDb.url, { ...small, version: '3.9.1', keys: [{ consumer: 'smoke', key: KEY }] }),
  ]);
  [x, y] = await Promise.all([
    startSimulatedKongNode({ databaseUrl: xDb.url, version: '2.8.4' }),
    startSimulatedKongNode({ databaseUrl: yDb.url, version: '3.9.1' }),
  ]);
});

afterAll(async () => {
  await Promise.all([x?.close(), y?.close()]);
  await Promise.all([xDb?.drop(), yDb?.drop()]);
});

describe('runSmokeTests against two simulated Kong nodes', () => {
  it('key-auth: 401 without a key, 200 with it, on both proxies', async () => {
    expect(ySeed.fixtures.keyAuthProtected[0]?.path).toBe('/orders');
    const results = await runSmokeTests({
      tests: [
        test('key-auth rejects anonymous', {}, { status: 401 }),
        test('key-auth accepts a valid key', { headers: { apikey: KEY } }, { status: 200 }),
      ],
      xProxyUrl: x.proxyUrl,
      yProxyUrl: y.proxyUrl,
      timeoutMs: 5000,
    });
    expect(results).toEqual([
      {
        name: 'key-auth rejects anonymous',
        expected: { status: 401 },
        x: { status: 401 },
        y: { status: 401 },
        pass: true,
        xMismatch: false,
      },
      {
        name: 'key-auth accepts a valid key',
        expected: { status: 200 },
        x: { status: 200 },
        y: { status: 200 },
        pass: true,
        xMismatch: false,
      },
    ]);
  });

  it('a key missing on Y fails on Y only; a wrong expectation fails on both and is flagged', async () => {
    const results = await runSmokeTests({
      tests: [
        test('legacy consumer key', { headers: { apikey: X_ONLY_KEY } }, { status: 200 }),
        test('anonymous gets in (wrong test)', {}, { status: 200 }),
      ],
      xProxyUrl: x.proxyUrl,
      yProxyUrl: y.proxyUrl,
      timeoutMs: 5000,
    });
    expect(results[0]).toMatchObject({
      x: { status: 200 },
      y: { status: 401 },
      pass: false,
      xMismatch: false,
    });
    expect(results[1]).toMatchObject({
      x: { status: 401 },
      y: { status: 401 },
      pass: false,
      xMismatch: true,
    });
    const table = formatSmokeTable(results);
    expect(table).toContain('*Smoke tests:* 0 of 2 pass on Y');
    expect(table).toMatch(/legacy consumer key\s+\| 200\s+\| 200 \| 401 \| ❌/);
    expect(table).toMatch(/anonymous gets in \(wrong test\)\s*\| 200\s+\| 401 \| 401 \| ❌/);
    expect(table).toContain('_anonymous gets in (wrong test)_: X does not meet the expectation either');
    expect(table).not.toContain('_legacy consumer key_: X does not');
    expect(table).not.toContain(X_ONLY_KEY);
    expect(table).not.toContain(KEY);
  });

  it('checks bodyContains, and sends the configured method, headers and body', async () => {
    const open = ySeed.fixtures.open;
    if (!open) throw new Error('the seed has no open route');
    const results = await runSmokeTests({
      tests: [
        test(
          'Y answers as 3.9.1',
          { path: open.path },
          { status: 200, bodyContains: '"kong_version":"3.9.1"' },
        ),
        test(
          'POST reaches the upstream',
          { method: 'POST', path: open.path, headers: { 'x-smoke': 'yes' }, body: '{"a":1}' },
          { status: 200, bodyContains: '"x-smoke":"yes"' },
        ),
      ],
      xProxyUrl: x.proxyUrl,
      yProxyUrl: y.proxyUrl,
      timeoutMs: 5000,
    });
    expect(results[0]).toMatchObject({
      x: { status: 200, bodyMatched: false },
      y: { status: 200, bodyMatched: true },
      pass: true,
      xMismatch: true,
    });
    expect(results[1]).toMatchObject({
      x: { bodyMatched: true },
      y: { status: 200, bodyMatched: true },
      pass: true,
    });
  });

  it('an unreachable proxy is an error cell, not an exception', async () => {
    const gone = await startSimulatedKongNode({ databaseUrl: yDb.url, version: '3.9.1' });
    await gone.close();
    const results = await runSmokeTests({
      tests: [test('key-auth rejects anonymous', {}, { status: 401 })],
      xProxyUrl: x.proxyUrl,
      yProxyUrl: gone.proxyUrl,
      timeoutMs: 2000,
    });
    expect(results[0]).toMatchObject({ x: { status: 401 }, y: { error: 'connection refused' }, pass: false });
    expect(formatSmokeTable(results)).toContain('on Y: connection refused');
  });

  it('a slow proxy times out per request', async () => {
    y.setFaults({ addedLatencyMs: 1500 });
    try {
      const results = await runSmokeTests({
        tests: [test('valid key', { headers: { apikey: KEY } }, { status: 200 })],
        xProxyUrl: x.proxyUrl,
        yProxyUrl: y.proxyUrl,
        timeoutMs: 300,
      });
      expect(results[0]).toMatchObject({
        x: { status: 200 },
        y: { error: 'no answer within 300 ms' },
        pass: false,
      });
    } finally {
      y.setFaults({ addedLatencyMs: 0 });
    }
  });

  it('stops with an error when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('run moved on'));
    await expect(
      runSmokeTests({
        tests: [test('t', {}, { status: 401 })],
        xProxyUrl: x.proxyUrl,
        yProxyUrl: y.proxyUrl,
        timeoutMs: 1000,
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(AppError);
  });
});
