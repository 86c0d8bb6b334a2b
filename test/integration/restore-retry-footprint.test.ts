import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPgDump } from '../../src/backup/run-pg-dump.js';
import { runPgRestore } from '../../src/backup/run-pg-restore.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { query } from './backup-fixture.js';

/**
 * A retry of a restore drops only what this run's restore created (recorded before it started), never
 * what Y held before the run: other schemas, functions in public, a schema whose name has a space.
 */
let x: TestDatabase;
let y: TestDatabase;
let root: string;
let backupDir: string;

beforeAll(async () => {
  x = await createTestDatabase('kub_footprint_x');
  await query(x.url, 'CREATE TABLE services (id int PRIMARY KEY, name text)');
  await query(x.url, "INSERT INTO services VALUES (1, 'a'), (2, 'b')");
  await query(x.url, 'CREATE SCHEMA "kong data"');
  await query(x.url, 'CREATE TABLE "kong data".extra (id int PRIMARY KEY)');
  await query(x.url, 'INSERT INTO "kong data".extra VALUES (7)');
  await query(x.url, 'CREATE FUNCTION restored_fn() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$');
  root = await mkdtemp(join(tmpdir(), 'kub-footprint-'));
  backupDir = join(root, 'prod-9');
  await runPgDump({ databaseUrl: x.url, dir: backupDir, jobs: 1 });

  // Y before the run: no tables in public (so it is a valid target), but objects of its own.
  y = await createTestDatabase('kub_footprint_y');
  await query(y.url, 'CREATE SCHEMA "ops tools"');
  await query(y.url, 'CREATE TABLE "ops tools".notes (id int PRIMARY KEY)');
  await query(y.url, 'INSERT INTO "ops tools".notes VALUES (42)');
  await query(y.url, 'CREATE SCHEMA audit');
  await query(y.url, 'CREATE TABLE audit.log (id int)');
  await query(y.url, 'CREATE FUNCTION public.keep_me() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$');
  await query(y.url, "CREATE TYPE public.mood AS ENUM ('ok')");
}, 60_000);
afterAll(async () => {
  await Promise.all([x?.drop(), y?.drop()]);
  await rm(root, { recursive: true, force: true });
});

async function names(url: string): Promise<string[]> {
  const rows = await query<{ n: string }>(
    url,
    `SELECT n.nspname || '.' || c.relname AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'kong_upgrade_bot')
     UNION ALL SELECT 'fn ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
     UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype = 'e'
     ORDER BY 1`,
  );
  return rows.map((r) => r.n);
}

describe('restore retry', () => {
  it('drops what the first attempt restored, keeps what Y held before, and restores again', async () => {
    const before = await names(y.url);
    await runPgRestore({ databaseUrl: y.url, dir: backupDir, jobs: 1, runId: 'prod-9' });
    expect(await names(y.url)).toEqual(
      [...before, 'kong data.extra', 'public.services', 'fn restored_fn'].sort(),
    );
    // Something added after the restore (an interrupted later step) goes too.
    await query(y.url, 'CREATE TABLE public.leftover (id int)');

    const again = await runPgRestore({ databaseUrl: y.url, dir: backupDir, jobs: 1, runId: 'prod-9' });
    expect(again.rerun).toBe(true);
    const after = await names(y.url);
    expect(after).toEqual([...before, 'kong data.extra', 'public.services', 'fn restored_fn'].sort());
    expect(after).not.toContain('public.leftover');
    // Y's own data is untouched; the restored data is there once.
    expect(await query(y.url, 'SELECT id FROM "ops tools".notes')).toEqual([{ id: 42 }]);
    expect(await query(y.url, 'SELECT count(*)::int AS n FROM services')).toEqual([{ n: 2 }]);
    expect(await query(y.url, 'SELECT id FROM "kong data".extra')).toEqual([{ id: 7 }]);
  });
});
