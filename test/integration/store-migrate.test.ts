import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { migrate } from '../../src/store/migrate.js';
import { createTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from '../support/test-database.js';

const INITIAL = '1764140000000_initial-schema';
const ALL = [
  INITIAL,
  '1764140100000_gates-creation-order',
  '1764150000000_live-comparison-message',
  '1764160000000_run-change-notifications',
  '1764170000000_thread-outbox',
  '1764180000000_traffic-safety',
  '1764181000000_slack-claims-and-broadcast',
  '1764185150000_audit-events-retention',
  '1764185160000_x-freeze-digests',
  '1764185170000_home-viewers',
];

async function tables(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ t: string }>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    return r.rows.map((row) => row.t);
  } finally {
    await c.end();
  }
}

function urlFor(name: string): string {
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.end();
}

describe('migrate', () => {
  const cleanups: Array<() => Promise<void>> = [];
  // Last registered first: connections end before their database is dropped.
  const runCleanups = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  afterEach(runCleanups);
  afterAll(runCleanups);

  async function fresh(): Promise<TestDatabase> {
    const db = await createTestDatabase('kub_store_migrate');
    cleanups.push(() => db.drop());
    return db;
  }

  it('applies the initial schema once and is idempotent', async () => {
    const db = await fresh();
    expect(await migrate({ databaseUrl: db.url })).toEqual({ applied: ALL });
    expect(await migrate({ databaseUrl: db.url })).toEqual({ applied: [] });
    expect(await tables(db.url)).toEqual([
      'audit_events',
      'backups',
      'environment_counters',
      'gate_approvals',
      'gates',
      'home_viewers',
      'metric_samples',
      'run_events',
      'runs',
      'schema_migrations',
      'thread_outbox',
      'x_freeze_digests',
    ]);
  });

  it('is safe when several processes migrate the same database at once', async () => {
    const db = await fresh();
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate({ databaseUrl: db.url })));
    expect(results.flatMap((r) => r.applied)).toEqual(ALL);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const ledger = await c.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id');
    await c.end();
    expect(ledger.rows.map((r) => r.name)).toEqual(ALL);
  });

  it('is safe when two OS processes migrate at once', async () => {
    const db = await fresh();
    const dir = await mkdtemp(join(tmpdir(), 'kub-migrate-proc-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const script = join(dir, 'migrate-once.mts');
    const migrateModule = fileURLToPath(new URL('../../src/store/migrate.ts', import.meta.url));
    await writeFile(
      script,
      `import { migrate } from ${JSON.stringify(migrateModule)};\n` +
        'const { applied } = await migrate({ databaseUrl: process.argv[2] });\n' +
        'process.stdout.write(JSON.stringify(applied));\n',
    );
    const run = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', script, db.url], { timeout: 20_000 });
    const outputs = await Promise.all([run(), run()]);
    const applied = outputs.flatMap((o) => JSON.parse(o.stdout) as string[]);
    expect(applied).toEqual(ALL);
  });

  it('creates the database when it does not exist, also when two starts race', async () => {
    const name = `kub_store_create_${Math.random().toString(16).slice(2, 10)}`;
    cleanups.push(() => dropDatabase(name));
    const results = await Promise.all([
      migrate({ databaseUrl: urlFor(name) }),
      migrate({ databaseUrl: urlFor(name) }),
    ]);
    expect(results.flatMap((r) => r.applied)).toEqual(ALL);
    expect(await tables(urlFor(name))).toContain('runs');
  });

  it('rolls back a failing migration file, records nothing, releases the lock', async () => {
    const db = await fresh();
    const dir = await mkdtemp(join(tmpdir(), 'kub-migrations-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, '1700000000000_good.sql'), 'CREATE TABLE good (id int);\n');
    await writeFile(
      join(dir, '1700000000001_bad.sql'),
      'CREATE TABLE half (id int);\nSELECT no_such_function();\n',
    );

    const error = await migrate({ databaseUrl: db.url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('E_STORE_UNAVAILABLE');
    const after = await tables(db.url);
    expect(after).toContain('good');
    expect(after).not.toContain('half');

    // The lock was released and the ledger only has the good file: fixing the file lets it continue.
    await writeFile(join(dir, '1700000000001_bad.sql'), 'CREATE TABLE half (id int);\n');
    expect(await migrate({ databaseUrl: db.url, migrationsDir: dir })).toEqual({
      applied: ['1700000000001_bad'],
    });
  });

  it('gives up with a retryable error when another process holds the lock too long', async () => {
    const db = await fresh();
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query('SELECT pg_advisory_lock($1)', ['4711020251126']);
    const error = await migrate({ databaseUrl: db.url, lockTimeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_STORE_UNAVAILABLE', retryable: true });
    expect(await tables(db.url)).toEqual([]);
    await holder.query('SELECT pg_advisory_unlock($1)', ['4711020251126']);
    expect((await migrate({ databaseUrl: db.url })).applied).toEqual(ALL);
  });

  it('reports an unreachable server without the password', async () => {
    const error = await migrate({ databaseUrl: 'postgres://bot:s3cr3t-pw@127.0.0.1:1/kong_upgrade' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'E_STORE_UNAVAILABLE', retryable: true });
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).not.toContain('s3cr3t-pw');
  });

  it('names a missing migrations folder, before it creates the database', async () => {
    const name = `kub_store_migrate_nodir_${process.pid}`;
    const error = await migrate({
      databaseUrl: urlFor(name),
      migrationsDir: '/nonexistent/migrations',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_STORE_UNAVAILABLE', retryable: false });
    expect((error as Error).message).toContain('migrations folder /nonexistent/migrations does not exist');
    const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
    await admin.connect();
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    await admin.end();
    expect(rowCount).toBe(0);
  });

  it('rejects a URL that names no database', async () => {
    await expect(migrate({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/' })).rejects.toMatchObject({
      code: 'E_CONFIG_INVALID',
    });
  });
});
