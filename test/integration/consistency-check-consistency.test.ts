import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkConsistency } from '../../src/backup/check-consistency.js';
import { runPgDump } from '../../src/backup/run-pg-dump.js';
import { runPgRestore } from '../../src/backup/run-pg-restore.js';
import { AppError } from '../../src/errors.js';
import { createTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from '../support/test-database.js';
import { createKongLikeDatabase, query } from './backup-fixture.js';

let x: TestDatabase;
let y: TestDatabase;
let root: string;
let backupDir: string;
let restores = 0;

beforeAll(async () => {
  x = await createKongLikeDatabase('kub_consistency_x');
  // A bigger table (8,000 rows) so that differences have to be narrowed down through several ranges.
  await query(
    x.url,
    `CREATE TABLE ratelimiting_metrics (identifier text, period text, period_date timestamptz, value int,
       PRIMARY KEY (identifier, period, period_date));
     INSERT INTO ratelimiting_metrics SELECT 'consumer-' || (g % 1000), p, timestamptz '2024-03-01' + (g / 1000) * interval '1 minute', g
       FROM generate_series(0, 3999) g, (VALUES ('minute'), ('hour')) v(p);
     CREATE TABLE cluster_events_nopk (node_id uuid, channel text, data text);
     INSERT INTO cluster_events_nopk SELECT md5('n' || g)::uuid, 'invalidations', 'services:' || g FROM generate_series(1, 30) g;`,
  );
  root = await mkdtemp(join(tmpdir(), 'kub-consistency-'));
  backupDir = join(root, 'prod-9');
  await runPgDump({ databaseUrl: x.url, dir: backupDir, jobs: 2 });
  y = await createTestDatabase('kub_consistency_y');
});
afterAll(async () => {
  await Promise.all([x.drop(), y.drop()]);
  await rm(root, { recursive: true, force: true });
});
// Every test starts from a fresh, identical copy of X.
beforeEach(async () => {
  restores++;
  await runPgRestore({ databaseUrl: y.url, dir: backupDir, jobs: 2, runId: 'prod-9' });
});

const table = (report: Awaited<ReturnType<typeof checkConsistency>>, name: string) => {
  const t = report.tables.find((r) => r.table === name);
  if (t === undefined) throw new Error(`no ${name} in report`);
  return t;
};

describe('checkConsistency', () => {
  it('finds an exact copy equal, table by table, with progress per table', async () => {
    const progress: number[] = [];
    const report = await checkConsistency({
      xUrl: x.url,
      yUrl: y.url,
      chunkRows: 500,
      onProgress: (p) => progress.push(p.done),
    });
    expect(report.equal).toBe(true);
    expect(report.tables.map((t) => t.table)).toEqual([
      'public.cluster_events_nopk',
      'public.consumers',
      'public.keyauth_credentials',
      'public.locks',
      'public.plugins',
      'public.ratelimiting_metrics',
      'public.routes',
      'public.schema_meta',
      'public.services',
    ]);
    expect(table(report, 'public.ratelimiting_metrics')).toMatchObject({
      xRows: 8000,
      yRows: 8000,
      method: 'primary-key',
    });
    expect(table(report, 'public.cluster_events_nopk').method).toBe('whole-table');
    expect(progress).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
  });

  it('names a changed, a deleted and an added row by table and key', async () => {
    await query(y.url, "UPDATE consumers SET username = 'mallory' WHERE id = md5('consumer1500')::uuid");
    await query(y.url, "DELETE FROM keyauth_credentials WHERE id = md5('key42')::uuid");
    await query(
      y.url,
      "INSERT INTO services (id, name, host, port) VALUES ('00000000-0000-0000-0000-00000000beef', 'rogue', 'h', 1)",
    );
    const report = await checkConsistency({ xUrl: x.url, yUrl: y.url, chunkRows: 500 });
    expect(report.equal).toBe(false);
    const changedId = (await query<{ id: string }>(x.url, "SELECT md5('consumer1500')::uuid::text AS id"))[0]
      ?.id;
    const deletedId = (await query<{ id: string }>(x.url, "SELECT md5('key42')::uuid::text AS id"))[0]?.id;
    expect(table(report, 'public.consumers')).toMatchObject({
      equal: false,
      xRows: 3000,
      yRows: 3000,
      differenceCount: 1,
      differences: [{ key: changedId, kind: 'changed' }],
    });
    expect(table(report, 'public.keyauth_credentials')).toMatchObject({
      yRows: 2999,
      differences: [{ key: deletedId, kind: 'missing_in_y' }],
    });
    expect(table(report, 'public.services').differences).toEqual([
      { key: '00000000-0000-0000-0000-00000000beef', kind: 'extra_in_y' },
    ]);
    expect(table(report, 'public.routes').equal).toBe(true);
  });

  it('narrows differences in a big range down to composite keys, listing a capped number but counting all', async () => {
    await query(
      y.url,
      "UPDATE ratelimiting_metrics SET value = -1 WHERE identifier IN ('consumer-7', 'consumer-8')",
    );
    await query(
      y.url,
      "DELETE FROM ratelimiting_metrics WHERE identifier = 'consumer-9' AND period = 'hour'",
    );
    // One range of 8,000 rows, compared row by row only below 300 rows: several levels of narrowing.
    const report = await checkConsistency({
      xUrl: x.url,
      yUrl: y.url,
      chunkRows: 8000,
      rowLevelRows: 300,
      maxDifferences: 5,
    });
    const rl = table(report, 'public.ratelimiting_metrics');
    // consumer-7 and -8 have 4 rows each per period (8 changed each), consumer-9 loses its 4 'hour' rows.
    expect(rl.differenceCount).toBe(8 + 8 + 4);
    expect(rl.differences).toHaveLength(5);
    expect(rl.differences[0]?.key).toMatch(
      /^identifier=consumer-[789], period=(minute|hour), period_date=2024-03-01/,
    );
    const all = await checkConsistency({
      xUrl: x.url,
      yUrl: y.url,
      maxDifferences: 100,
      tables: ['ratelimiting_metrics'],
    });
    const kinds = all.tables[0]?.differences.map((d) => d.kind) ?? [];
    expect(kinds.filter((k) => k === 'changed')).toHaveLength(16);
    expect(kinds.filter((k) => k === 'missing_in_y')).toHaveLength(4);
    expect(all.tables).toHaveLength(1);
  });

  it('compares a table without a primary key by count and checksum, and says it cannot name rows', async () => {
    await query(y.url, "UPDATE cluster_events_nopk SET data = 'changed' WHERE data = 'services:3'");
    const report = await checkConsistency({ xUrl: x.url, yUrl: y.url });
    const t = table(report, 'public.cluster_events_nopk');
    expect(t).toMatchObject({ equal: false, method: 'whole-table', xRows: 30, yRows: 30, differences: [] });
    expect(t.note).toContain('no primary key');
    // Put it back: equal again. Then replace one row by a duplicate of another: same count, not equal.
    await query(y.url, "UPDATE cluster_events_nopk SET data = 'services:3' WHERE data = 'changed'");
    expect(
      table(await checkConsistency({ xUrl: x.url, yUrl: y.url }), 'public.cluster_events_nopk').equal,
    ).toBe(true);
    await query(
      y.url,
      "UPDATE cluster_events_nopk SET (node_id, channel, data) = (SELECT node_id, channel, data FROM cluster_events_nopk WHERE data = 'services:4') WHERE data = 'services:5'",
    );
    const dup = table(await checkConsistency({ xUrl: x.url, yUrl: y.url }), 'public.cluster_events_nopk');
    expect(dup.yRows).toBe(30);
    expect(dup.equal).toBe(false);
  });

  it('ignores columns that exist on one side only (e.g. added by Y migrations) and says which', async () => {
    await query(y.url, 'ALTER TABLE routes ADD COLUMN priority bigint DEFAULT 0');
    const report = await checkConsistency({ xUrl: x.url, yUrl: y.url });
    expect(table(report, 'public.routes')).toMatchObject({ equal: true, ignoredColumns: ['y:priority'] });
    expect(report.equal).toBe(true);
  });

  it('reports a table missing in Y', async () => {
    await query(y.url, 'DROP TABLE plugins');
    const report = await checkConsistency({ xUrl: x.url, yUrl: y.url });
    expect(table(report, 'public.plugins')).toMatchObject({
      equal: false,
      method: 'missing',
      xRows: 12,
      yRows: 0,
    });
    expect(report.equal).toBe(false);
  });

  it('keys mode (a migrated Y): a changed non-key column is information, a deleted or added row fails by key', async () => {
    // What `kong migrations` does to a copy: rewrites some rows, adds a table and a column.
    await query(y.url, 'UPDATE plugins SET config = config || \'{"migrated": true}\'::jsonb');
    await query(y.url, "UPDATE consumers SET username = 'renamed' WHERE id = md5('consumer1500')::uuid");
    await query(
      y.url,
      'CREATE TABLE clustering_sync_version (version serial PRIMARY KEY); INSERT INTO clustering_sync_version DEFAULT VALUES',
    );
    await query(y.url, "UPDATE cluster_events_nopk SET data = 'rewritten' WHERE data = 'services:3'");
    const passing = await checkConsistency({
      xUrl: x.url,
      yUrl: y.url,
      chunkRows: 500,
      compare: 'keys',
      oneSidedTables: 'information',
      maxDifferences: 3,
    });
    expect(passing.equal).toBe(true);
    expect(passing.compare).toBe('keys');
    const changedId = (await query<{ id: string }>(x.url, "SELECT md5('consumer1500')::uuid::text AS id"))[0]
      ?.id;
    expect(table(passing, 'public.consumers')).toMatchObject({
      equal: true,
      differenceCount: 0,
      changedCount: 1,
      changedKeys: [changedId],
    });
    const plugins = table(passing, 'public.plugins');
    expect(plugins).toMatchObject({ equal: true, xRows: 12, yRows: 12, changedCount: 12 });
    expect(plugins.changedKeys).toHaveLength(3);
    expect(table(passing, 'public.clustering_sync_version')).toMatchObject({
      equal: true,
      method: 'missing',
      onlyIn: 'y',
      yRows: 1,
    });
    // No key: only the counts are held against each other; the content change is information.
    expect(table(passing, 'public.cluster_events_nopk')).toMatchObject({ equal: true, changedCount: 1 });
    expect(table(passing, 'public.routes')).toMatchObject({ equal: true, changedCount: 0 });

    // The same changes in content mode all fail, and the new table too.
    const strict = await checkConsistency({ xUrl: x.url, yUrl: y.url, chunkRows: 500 });
    expect(strict.tables.filter((t) => !t.equal).map((t) => t.table)).toEqual([
      'public.cluster_events_nopk',
      'public.clustering_sync_version',
      'public.consumers',
      'public.plugins',
    ]);
    expect(table(strict, 'public.consumers').changedCount).toBeUndefined();

    // A row lost or added fails in keys mode, named by key; the changed rows stay information.
    await query(y.url, "DELETE FROM keyauth_credentials WHERE id = md5('key42')::uuid");
    await query(
      y.url,
      "INSERT INTO services (id, name, host, port) VALUES ('00000000-0000-0000-0000-00000000beef', 'rogue', 'h', 1)",
    );
    await query(y.url, "DELETE FROM cluster_events_nopk WHERE data = 'services:4'");
    const failing = await checkConsistency({
      xUrl: x.url,
      yUrl: y.url,
      chunkRows: 500,
      compare: 'keys',
      oneSidedTables: 'information',
    });
    expect(failing.equal).toBe(false);
    const deletedId = (await query<{ id: string }>(x.url, "SELECT md5('key42')::uuid::text AS id"))[0]?.id;
    expect(table(failing, 'public.keyauth_credentials')).toMatchObject({
      equal: false,
      differenceCount: 1,
      differences: [{ key: deletedId, kind: 'missing_in_y' }],
    });
    expect(table(failing, 'public.services')).toMatchObject({
      equal: false,
      differences: [{ key: '00000000-0000-0000-0000-00000000beef', kind: 'extra_in_y' }],
    });
    expect(table(failing, 'public.cluster_events_nopk')).toMatchObject({
      equal: false,
      xRows: 30,
      yRows: 29,
    });
    expect(failing.tables.filter((t) => !t.equal).map((t) => t.table)).toEqual([
      'public.cluster_events_nopk',
      'public.keyauth_credentials',
      'public.services',
    ]);
  });

  it('keys mode counts every changed row of a big table narrowed through several ranges', async () => {
    await query(
      y.url,
      "UPDATE ratelimiting_metrics SET value = -1 WHERE identifier IN ('consumer-7', 'consumer-8')",
    );
    await query(
      y.url,
      "DELETE FROM ratelimiting_metrics WHERE identifier = 'consumer-9' AND period = 'hour'",
    );
    const report = await checkConsistency({
      xUrl: x.url,
      yUrl: y.url,
      tables: ['ratelimiting_metrics'],
      chunkRows: 8000,
      rowLevelRows: 300,
      maxDifferences: 5,
      compare: 'keys',
    });
    const rl = table(report, 'public.ratelimiting_metrics');
    expect(rl).toMatchObject({ equal: false, changedCount: 16, differenceCount: 4 });
    expect(rl.changedKeys).toHaveLength(5);
    expect(rl.differences.every((d) => d.kind === 'missing_in_y')).toBe(true);
    expect(rl.differences[0]?.key).toMatch(/^identifier=consumer-9, period=hour, /);
  });

  it('leaves excluded tables out and lists those that exist', async () => {
    await query(y.url, "UPDATE schema_meta SET executed = executed || '{016_280_to_300}'::text[]");
    await query(y.url, "INSERT INTO locks (key, owner) VALUES ('migrations', 'y-node')");
    const report = await checkConsistency({
      xUrl: x.url,
      yUrl: y.url,
      exclude: ['schema_meta', 'locks', 'clustering_sync_delta'],
    });
    expect(report.equal).toBe(true);
    expect(report.excluded).toEqual(['public.locks', 'public.schema_meta']);
    expect(report.tables.map((t) => t.table)).not.toContain('public.schema_meta');
    expect(report.tables).toHaveLength(7);
    // Without the exclusion the same databases differ in exactly those two tables.
    const all = await checkConsistency({ xUrl: x.url, yUrl: y.url });
    expect(all.tables.filter((t) => !t.equal).map((t) => t.table)).toEqual([
      'public.locks',
      'public.schema_meta',
    ]);
    expect(all.excluded).toEqual([]);
  });

  it('reports a table only in X as information when asked, and as a difference by default', async () => {
    await query(y.url, 'DROP TABLE keyauth_credentials');
    const info = await checkConsistency({ xUrl: x.url, yUrl: y.url, oneSidedTables: 'information' });
    expect(info.equal).toBe(true);
    expect(table(info, 'public.keyauth_credentials')).toMatchObject({
      onlyIn: 'x',
      xRows: 3000,
      equal: true,
    });
    const strict = await checkConsistency({ xUrl: x.url, yUrl: y.url });
    expect(table(strict, 'public.keyauth_credentials')).toMatchObject({
      equal: false,
      differenceCount: 3000,
    });
    expect(table(strict, 'public.keyauth_credentials').onlyIn).toBeUndefined();
  });

  it('is stopped by its abort signal with a typed error', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await checkConsistency({ xUrl: x.url, yUrl: y.url, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('E_VERIFY_FAILED');
    const midway = new AbortController();
    const running = checkConsistency({
      xUrl: x.url,
      yUrl: y.url,
      chunkRows: 100,
      concurrency: 1,
      signal: midway.signal,
    });
    setTimeout(() => midway.abort(), 30);
    const stopped = await running.then(
      () => null,
      (e: unknown) => e,
    );
    // Either it finished within 30 ms (then the report is fine) or it stopped with the typed error.
    if (stopped !== null) expect((stopped as AppError).details.aborted).toBe(true);
  });

  it('cuts text keys in bytewise order when the two databases collate differently', async () => {
    const x2 = await createTestDatabase('kub_consistency_coll');
    const name = `kub_consistency_c_${Date.now()}`;
    await query(TEST_PG_ADMIN_URL, `CREATE DATABASE ${name} TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'`);
    const y2Url = new URL(TEST_PG_ADMIN_URL);
    y2Url.pathname = `/${name}`;
    try {
      const ddl = `CREATE TABLE parameters (key text PRIMARY KEY, value text);
        INSERT INTO parameters SELECT CASE WHEN g % 2 = 0 THEN 'Key-' ELSE 'key-' END || g, 'v' || g FROM generate_series(1, 1000) g`;
      await query(x2.url, ddl);
      await query(y2Url.toString(), ddl);
      await query(y2Url.toString(), "UPDATE parameters SET value = 'changed' WHERE key = 'Key-500'");
      const report = await checkConsistency({
        xUrl: x2.url,
        yUrl: y2Url.toString(),
        chunkRows: 100,
        rowLevelRows: 20,
      });
      expect(report.tables[0]).toMatchObject({
        table: 'public.parameters',
        xRows: 1000,
        yRows: 1000,
        differenceCount: 1,
        differences: [{ key: 'Key-500', kind: 'changed' }],
      });
    } finally {
      await x2.drop();
      await query(TEST_PG_ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });

  it('reports a missing database with the masked URL', async () => {
    const url = new URL(y.url);
    url.pathname = '/kub_consistency_nope';
    url.password = 'hunter2';
    const error = (await checkConsistency({ xUrl: x.url, yUrl: url.toString() }).catch(
      (e: unknown) => e,
    )) as AppError;
    expect(error.code).toBe('E_PG_DATABASE_MISSING');
    expect(error.message).not.toContain('hunter2');
    expect(restores).toBeGreaterThan(0);
  });
});
