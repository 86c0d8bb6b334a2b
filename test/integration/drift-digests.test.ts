import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedTables, readTableDigests } from '../../src/backup/table-digests.js';
import { checkDrift } from '../../src/engine/check-drift.js';
import { createXDigestCheck } from '../../src/engine/x-digest-check.js';
import { fingerprintConfig } from '../../src/kong/fingerprint.js';
import type { KongAdmin } from '../../src/kong/kong-admin.js';
import type { KongSnapshot } from '../../src/kong/kong-entity-types.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { createStore, type Store } from '../../src/store/create-store.js';
import { createDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { buildRun } from '../support/build-run.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { query } from './backup-fixture.js';

/**
 * Drift at scale: X's database digests each configuration table; a drift check whose digests equal the
 * freeze's never reads X's Admin API; a changed table, or an unreachable database, leaves the decision
 * to the exact Admin API comparison. Runtime tables (counters) change freely.
 */
let x: TestDatabase;
let bot: TestDatabase;
let db: Db;
let store: Store;
let runId: string;
const log = pino({ level: 'silent' });

/** A KongAdmin whose snapshot is counted: the fast path must not call it. */
function countingAdmin(): KongAdmin & { snapshots: number } {
  const admin = {
    snapshots: 0,
    // A traditional node without Enterprise workspaces.
    async workspaces() {
      return null;
    },
    async snapshot() {
      admin.snapshots += 1;
      throw new Error('the Admin API was read');
    },
  };
  return admin as unknown as KongAdmin & { snapshots: number };
}

beforeAll(async () => {
  x = await createTestDatabase('kub_drift_x');
  await seedKongDatabase(x.url, { consumers: 200, services: 10 });
  bot = await createTestDatabase('kub_drift_bot');
  await migrate({ databaseUrl: bot.url });
  db = createDb({ databaseUrl: bot.url });
  store = createStore(db);
  const created = await store.runs.createRun(
    { environment: 'prod', requestedBy: 'U1', channel: 'C1', planSteps: [5, 100], dryRun: false },
    { actor: 'U1', kind: 'command.start', phase: null, details: {} },
  );
  if (!created.ok) throw new Error('run not created');
  runId = created.run.id;
  // The Admin API fingerprint of the freeze, as preflight stores it (its content does not matter here).
  await db.query('UPDATE runs SET x_fingerprint = $2 WHERE id = $1', [
    runId,
    JSON.stringify(fingerprintConfig({} as KongSnapshot)),
  ]);
}, 120_000);
afterAll(async () => {
  await db?.close();
  await Promise.all([x?.drop(), bot?.drop()]);
});

describe('table digests', () => {
  it('cover the configuration tables, not the runtime ones, and see any row change', async () => {
    const before = await readTableDigests(x.url);
    expect(before['public.consumers']?.rows).toBeGreaterThanOrEqual(200);
    expect(Object.keys(before)).toContain('public.keyauth_credentials');
    expect(Object.keys(before)).not.toContain('public.ratelimiting_metrics');
    expect(changedTables(before, await readTableDigests(x.url))).toEqual([]);
    await query(
      x.url,
      "UPDATE consumers SET custom_id = 'changed' WHERE id = (SELECT id FROM consumers ORDER BY id LIMIT 1)",
    );
    expect(changedTables(before, await readTableDigests(x.url))).toEqual(['public.consumers']);
  });
});

describe('checkDrift with X digests', () => {
  it('unchanged digests answer "no drift" without reading the Admin API; a change falls back to it', async () => {
    const digests = createXDigestCheck({ databaseUrl: x.url, store: store.freezeDigests, log });
    const run = buildRun({ id: runId, xFingerprinted: true });
    const admin = countingAdmin();
    // Before any baseline: the Admin API decides (here it throws, proving it was asked).
    await expect(checkDrift(run, { runs: store.runs, x: admin, xDigests: digests })).rejects.toThrow(
      /Admin API was read/,
    );
    expect(admin.snapshots).toBe(1);

    expect(await digests.record(runId)).toBe(true);
    // Runtime tables change on a live X whatever the freeze: still no drift.
    await query(x.url, 'DELETE FROM ratelimiting_metrics');
    expect(await checkDrift(run, { runs: store.runs, x: admin, xDigests: digests })).toEqual([]);
    expect(admin.snapshots).toBe(1);

    await query(
      x.url,
      "UPDATE services SET name = name || '-x' WHERE id = (SELECT id FROM services ORDER BY id LIMIT 1)",
    );
    expect(await digests.unchanged(runId)).toBe(false);
    await expect(checkDrift(run, { runs: store.runs, x: admin, xDigests: digests })).rejects.toThrow(
      /Admin API was read/,
    );
    expect(admin.snapshots).toBe(2);
  });

  it('an unreachable X database means "cannot tell", never "unchanged"', async () => {
    const away = createXDigestCheck({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/nowhere',
      store: store.freezeDigests,
      log,
    });
    expect(await away.unchanged(runId)).toBeNull();
    expect(await away.record('prod-404')).toBe(false);
  });
});
