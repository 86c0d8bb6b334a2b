import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConsistency } from '../../src/backup/check-consistency.js';
import { checkRestoreTarget } from '../../src/backup/check-restore-target.js';
import { MARKER_SCHEMA } from '../../src/backup/restore-marker.js';
import { runPgDump } from '../../src/backup/run-pg-dump.js';
import { runPgRestore } from '../../src/backup/run-pg-restore.js';
import { AppError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { createKongLikeDatabase, FIXTURE_COUNTS, query } from './backup-fixture.js';

let x: TestDatabase;
let root: string;
let backupDir: string;
const created: TestDatabase[] = [];

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase('kub_restore');
  created.push(db);
  return db;
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function publicTables(url: string): Promise<string[]> {
  const rows = await query<{ t: string }>(
    url,
    "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  return rows.map((r) => r.t);
}

beforeAll(async () => {
  x = await createKongLikeDatabase('kub_restore_x');
  root = await mkdtemp(join(tmpdir(), 'kub-restore-'));
  backupDir = join(root, 'prod-3');
  await runPgDump({ databaseUrl: x.url, dir: backupDir, jobs: 2 });
});
afterAll(async () => {
  await Promise.all([x.drop(), ...created.map((d) => d.drop())]);
  await rm(root, { recursive: true, force: true });
});

describe('runPgRestore', () => {
  it('restores into an empty database with progress per table, and the copy is consistent with X', async () => {
    const y = await emptyDatabase();
    expect(await checkRestoreTarget(y.url, 'prod-3')).toEqual({ status: 'empty' });
    const progress: number[] = [];
    const result = await runPgRestore({
      databaseUrl: y.url,
      dir: backupDir,
      jobs: 2,
      runId: 'prod-3',
      onProgress: (p) => progress.push(p.done),
    });
    expect(result.rerun).toBe(false);
    expect(result.tables).toBe(Object.keys(FIXTURE_COUNTS).length);
    expect(result.rowCounts).toEqual(FIXTURE_COUNTS);
    expect(progress).toEqual(Array.from({ length: result.tables }, (_, i) => i + 1));
    const report = await checkConsistency({ xUrl: x.url, yUrl: y.url });
    expect(report.equal).toBe(true);
    expect(report.tables.find((t) => t.table === 'public.consumers')?.yRows).toBe(3000);
    const marker = await query<{ run_id: string; finished_at: Date | null }>(
      y.url,
      `SELECT run_id, finished_at FROM ${MARKER_SCHEMA}.restore_marker`,
    );
    expect(marker).toHaveLength(1);
    expect(marker[0]?.run_id).toBe('prod-3');
    expect(marker[0]?.finished_at).not.toBeNull();
  });

  it('re-runs cleanly into a database this run restored before, even after later changes there', async () => {
    const y = await emptyDatabase();
    await runPgRestore({ databaseUrl: y.url, dir: backupDir, jobs: 2, runId: 'prod-3' });
    // Something changed Y since (e.g. an interrupted later step): a re-run starts from scratch.
    await query(y.url, "DELETE FROM keyauth_credentials WHERE key LIKE 'k-a%'");
    await query(y.url, 'CREATE TABLE leftover (id int PRIMARY KEY)');
    expect((await checkRestoreTarget(y.url, 'prod-3')).status).toBe('rerun');
    const again = await runPgRestore({ databaseUrl: y.url, dir: backupDir, jobs: 2, runId: 'prod-3' });
    expect(again.rerun).toBe(true);
    expect(await publicTables(y.url)).not.toContain('leftover');
    const report = await checkConsistency({ xUrl: x.url, yUrl: y.url });
    expect(report.equal).toBe(true);
  });

  it('refuses a database holding a Kong schema it did not restore, and changes nothing', async () => {
    const y = await emptyDatabase();
    await query(y.url, 'CREATE TABLE schema_meta (key text, subsystem text, PRIMARY KEY (key, subsystem))');
    await query(y.url, 'CREATE TABLE services (id uuid PRIMARY KEY, name text)');
    await query(y.url, "INSERT INTO services VALUES (gen_random_uuid(), 'live')");
    const error = await rejection(
      runPgRestore({ databaseUrl: y.url, dir: backupDir, jobs: 2, runId: 'prod-3' }),
    );
    expect(error.code).toBe('E_RESTORE_TARGET_NOT_EMPTY');
    expect(error.message).toContain('already holds a Kong schema (2 tables)');
    expect(error.message).toContain('Point clusterY.databaseUrl at an empty database');
    expect(await publicTables(y.url)).toEqual(['schema_meta', 'services']);
    expect(await query(y.url, 'SELECT name FROM services')).toEqual([{ name: 'live' }]);
    expect(await query(y.url, 'SELECT 1 FROM pg_namespace WHERE nspname = $1', [MARKER_SCHEMA])).toEqual([]);
  });

  it('refuses a database that another run restored into', async () => {
    const y = await emptyDatabase();
    await runPgRestore({ databaseUrl: y.url, dir: backupDir, jobs: 2, runId: 'prod-3' });
    const error = await rejection(
      runPgRestore({ databaseUrl: y.url, dir: backupDir, jobs: 2, runId: 'prod-4' }),
    );
    expect(error.code).toBe('E_RESTORE_TARGET_NOT_EMPTY');
    expect(error.message).toContain('restored by run prod-3');
  });

  it('refuses a backup whose files no longer match the manifest, before touching Y', async () => {
    const dir = join(root, 'prod-5');
    const backup = await runPgDump({ databaseUrl: x.url, dir, jobs: 1 });
    const file = Object.keys(backup.manifest).find((f) => f !== 'toc.dat') ?? '';
    await writeFile(join(dir, file), 'garbage');
    const y = await emptyDatabase();
    const error = await rejection(runPgRestore({ databaseUrl: y.url, dir, jobs: 1, runId: 'prod-5' }));
    expect(error.code).toBe('E_BACKUP_CORRUPT');
    expect(error.message).toContain(file);
    expect(await query(y.url, 'SELECT 1 FROM pg_namespace WHERE nspname = $1', [MARKER_SCHEMA])).toEqual([]);
  });

  it("reports a failed pg_restore with the tail of pg_restore's output", async () => {
    // The archive creates schema "extra"; a target that already has one makes pg_restore fail.
    const y = await emptyDatabase();
    await query(y.url, 'CREATE SCHEMA extra');
    const error = await rejection(
      runPgRestore({ databaseUrl: y.url, dir: backupDir, jobs: 2, runId: 'prod-6' }),
    );
    expect(error.code).toBe('E_RESTORE_FAILED');
    expect(error.message).toContain('schema "extra" already exists');
    expect(String(error.details.stderrTail)).toContain('already exists');
    // The database stays claimed by this run, so the retry after fixing the cause cleans it first.
    expect((await checkRestoreTarget(y.url, 'prod-6')).status).toBe('rerun');
  });

  it('reports a missing target database as E_PG_DATABASE_MISSING', async () => {
    const url = new URL(x.url);
    url.pathname = '/kub_restore_absent_db';
    const error = await rejection(
      runPgRestore({ databaseUrl: url.toString(), dir: backupDir, jobs: 1, runId: 'prod-7' }),
    );
    expect(error.code).toBe('E_PG_DATABASE_MISSING');
  });
});
