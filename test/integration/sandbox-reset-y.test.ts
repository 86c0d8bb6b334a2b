import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Weights } from '../../src/domain/weights.js';
import { type ResetSandboxYDeps, resetSandboxY } from '../../src/sandbox/reset-sandbox-y.js';
import { createTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from '../support/test-database.js';

let y: TestDatabase | undefined;
afterEach(async () => {
  await y?.drop();
  y = undefined;
});

async function query(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(sql);
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}
const tables = (url: string) =>
  query(url, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");

function deps(db: TestDatabase, active: { id: string; phase: string } | null, weights: Weights) {
  let split = weights;
  let faults = { errorRatio: 0.2, addedLatencyMs: 300 };
  const d: ResetSandboxYDeps = {
    findActiveRun: async () => active,
    serverUrl: TEST_PG_ADMIN_URL,
    yDatabase: db.name,
    setWeights: (w) => {
      split = w;
    },
    weights: () => split,
    setYFaults: (f) => {
      faults = f;
    },
  };
  return { d, split: () => split, faults: () => faults };
}

describe('resetSandboxY', () => {
  it("empties Y's database and sends 100 % to X after an earlier run", async () => {
    y = await createTestDatabase('kub_reset');
    await query(y.url, 'CREATE TABLE services (id int)');
    const h = deps(y, null, { x: 0, y: 100 });
    const outcome = await resetSandboxY(h.d, { whenUsed: true });
    expect(outcome).toMatchObject({ ok: true, reset: true });
    expect(await tables(y.url)).toBe(0);
    expect(h.split()).toEqual({ x: 100, y: 0 });
    // The automatic reset leaves the faults the page shows alone.
    expect(h.faults()).toEqual({ errorRatio: 0.2, addedLatencyMs: 300 });
  });

  it('before a start, leaves a fresh Y alone', async () => {
    y = await createTestDatabase('kub_reset');
    const h = deps(y, null, { x: 100, y: 0 });
    const before = await query(
      y.url,
      'SELECT oid::int AS n FROM pg_database WHERE datname = current_database()',
    );
    expect(await resetSandboxY(h.d, { whenUsed: true })).toMatchObject({ ok: true, reset: false });
    // Same database (not recreated).
    expect(
      await query(y.url, 'SELECT oid::int AS n FROM pg_database WHERE datname = current_database()'),
    ).toBe(before);
  });

  it('the page button resets even a fresh Y, and clears its faults', async () => {
    y = await createTestDatabase('kub_reset');
    const h = deps(y, null, { x: 100, y: 0 });
    expect(await resetSandboxY(h.d, { clearFaults: true })).toMatchObject({ ok: true, reset: true });
    expect(h.faults()).toEqual({ errorRatio: 0, addedLatencyMs: 0, brokenRoute: null });
  });

  it('refuses while a run is active, and changes nothing', async () => {
    y = await createTestDatabase('kub_reset');
    await query(y.url, 'CREATE TABLE services (id int)');
    const h = deps(y, { id: 'sandbox-3', phase: 'awaiting_gate' }, { x: 75, y: 25 });
    const outcome = await resetSandboxY(h.d, { clearFaults: true });
    expect(outcome).toEqual({
      ok: false,
      message: 'Y is in use by sandbox-3 (awaiting gate): finish, roll back or abort it before resetting Y.',
    });
    expect(await tables(y.url)).toBe(1);
    expect(h.split()).toEqual({ x: 75, y: 25 });
    expect(h.faults().errorRatio).toBe(0.2);
  });
});
