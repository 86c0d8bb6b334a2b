import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupJob } from '../../jobs/backup.js';
import { restoreJob } from '../../jobs/restore.js';
import type { EnvironmentConfig } from '../../src/config/environment-schema.js';
import type { Run } from '../../src/domain/run.js';
import type { EngineDeps } from '../../src/engine/engine-deps.js';
import type { JobContext, JobDefinition, JobOutcome } from '../../src/engine/job-definition.js';
import type { Progress } from '../../src/engine/progress-reporter.js';
import { type AppError, isAppError } from '../../src/errors.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import type { Notifier } from '../../src/slack/notifier.js';
import { createStore, type Store } from '../../src/store/create-store.js';
import { createDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { fingerprintTables, queryRows } from '../support/compare-databases.js';
import { minimalConfigObject, parseConfigObject, withConfigKey } from '../support/config-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const log = pino({ level: 'silent' });

/** The backup and restore jobs touch no Slack API beyond progress, which these tests record. */
const noSlack: Notifier = {
  post: () => Promise.reject(new Error('unexpected Slack post')),
  update: () => Promise.reject(new Error('unexpected Slack update')),
  ephemeral: () => Promise.reject(new Error('unexpected Slack ephemeral')),
  upload: () => Promise.reject(new Error('unexpected Slack upload')),
};

let botDb: TestDatabase;
let xDb: TestDatabase;
let db: Db;
let store: Store;
let root: string;
const yDbs: TestDatabase[] = [];

beforeAll(async () => {
  [botDb, xDb] = await Promise.all([createTestDatabase('kub_jobs_bot'), createTestDatabase('kub_jobs_x')]);
  await migrate({ databaseUrl: botDb.url, log });
  db = createDb({ databaseUrl: botDb.url, log });
  store = createStore(db);
  await seedKongDatabase(xDb.url, { services: 3, routesPerService: 2, consumers: 30, seed: 3 });
  root = await mkdtemp(join(tmpdir(), 'kub-jobs-'));
});

afterAll(async () => {
  await db?.close();
  await Promise.all([botDb?.drop(), xDb?.drop(), ...yDbs.map((d) => d.drop())]);
  if (root) await rm(root, { recursive: true, force: true });
});

async function newY(): Promise<TestDatabase> {
  const y = await createTestDatabase('kub_jobs_y');
  yDbs.push(y);
  return y;
}

async function newRun(environment: string): Promise<Run> {
  const created = await store.runs.createRun(
    { environment, requestedBy: 'U0REQ', channel: 'C0JOBS', planSteps: [5, 100], dryRun: false },
    { actor: 'U0REQ', kind: 'run.started', phase: 'preflight', details: {} },
  );
  if (!created.ok) throw new Error('run not created');
  // One active run per environment: end it in the store (the jobs are handed the run directly).
  await queryRows(botDb.url, "UPDATE runs SET phase = 'completed', finished_at = now() WHERE id = $1", [
    created.run.id,
  ]);
  return created.run;
}

function setup(run: Run, yUrl: string, phase: 'backup' | 'restore') {
  let config = withConfigKey(minimalConfigObject(), 'environments.prod.clusterX.databaseUrl', xDb.url);
  config = withConfigKey(config, 'environments.prod.clusterY.databaseUrl', yUrl);
  config = withConfigKey(config, 'environments.prod.backup', { dir: join(root, 'backups'), jobs: 2 });
  const botConfig = parseConfigObject(config);
  const env = botConfig.environments.prod as EnvironmentConfig;
  const reports: Progress[] = [];
  const deps: EngineDeps = {
    store,
    leases: {
      tryAcquire: () => Promise.reject(new Error('jobs do not take leases; runJob does')),
      close: async () => undefined,
    },
    queue: {} as EngineDeps['queue'],
    notifier: noSlack,
    config: botConfig,
    log,
    now: () => new Date(),
  };
  const ctx: JobContext = {
    run: { ...run, phase },
    env,
    payload: { v: 1, runId: run.id },
    deps,
    signal: new AbortController().signal,
    shutdown: new AbortController().signal,
    log,
    progress: {
      async report(p) {
        reports.push(p);
      },
      async stop() {},
    },
  };
  return { ctx, reports, dir: join(root, 'backups', run.id) };
}

async function rejection(def: JobDefinition, ctx: JobContext): Promise<AppError> {
  const outcome: unknown = await def.run(ctx).then(
    (o) => o,
    (e: unknown) => e,
  );
  if (!isAppError(outcome)) throw new Error(`expected an AppError, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function summary(outcome: JobOutcome): string {
  return outcome.type === 'succeeded' ? outcome.summary : '';
}

describe('backup job', () => {
  it('dumps X, reports table progress, records the backup; a retry reuses it without dumping again', async () => {
    const run = await newRun('prod');
    const { ctx, reports, dir } = setup(run, 'postgres://unused@127.0.0.1:1/none', 'backup');
    const first = await backupJob.run(ctx);
    expect(summary(first)).toMatch(/^Backup done: \d+ tables, [\d.]+ KB, [\d,]+ rows, \d+ s → /);
    const tableReports = reports.filter((r) => r.label.startsWith('dumped public.'));
    expect(tableReports.length).toBeGreaterThan(10);
    expect(reports.at(-1)).toMatchObject({ label: 'done, checksummed' });
    expect(reports.at(-1)?.done).toBe(reports.at(-1)?.total);
    const row = await store.backups.getLatestBackup(run.id);
    expect(row).toMatchObject({ status: 'succeeded', path: dir, format: 'directory' });
    expect(row?.rowCounts['public.consumers']).toBe(30);
    const toc = await stat(join(dir, 'toc.dat'));

    const retry = await backupJob.run(ctx);
    expect(summary(retry)).toMatch(/^Backup done \(an earlier attempt had finished it; checksums verified\)/);
    expect((await stat(join(dir, 'toc.dat'))).mtimeMs).toBe(toc.mtimeMs);
    const rows = await queryRows<{ n: number }>(
      botDb.url,
      'SELECT count(*)::int AS n FROM backups WHERE run_id = $1',
      [run.id],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it('reuses a backup published just before the worker died (row still running)', async () => {
    const run = await newRun('prod');
    const { ctx, dir } = setup(run, 'postgres://unused@127.0.0.1:1/none', 'backup');
    await backupJob.run(ctx);
    const row = await store.backups.getLatestBackup(run.id);
    // As if the worker died between publishing the directory and recording the row.
    await store.backups.recordBackup({
      runId: run.id,
      path: dir,
      format: 'directory',
      startedAt: new Date((row?.startedAt.getTime() ?? 0) - 1000),
      status: 'running',
    });
    expect(summary(await backupJob.run(ctx))).toContain('an earlier attempt had finished it');
    expect((await store.backups.getLatestBackup(run.id))?.status).toBe('succeeded');
  });

  it('replaces a backup of this run whose checksums no longer hold', async () => {
    const run = await newRun('prod');
    const { ctx, dir } = setup(run, 'postgres://unused@127.0.0.1:1/none', 'backup');
    await backupJob.run(ctx);
    await writeFile(join(dir, 'toc.dat'), 'garbage');
    const again = await backupJob.run(ctx);
    expect(summary(again)).toMatch(/^Backup done: /);
    expect((await stat(join(dir, 'toc.dat'))).size).toBeGreaterThan(100);
    expect((await readdir(join(root, 'backups'))).filter((n) => n.startsWith(run.id))).toEqual([run.id]);
  });

  it('refuses to overwrite an intact backup this run did not record, and leaves it alone', async () => {
    const run = await newRun('prod');
    const other = await newRun('stage');
    const { ctx: otherCtx, dir: otherDir } = setup(other, 'postgres://unused@127.0.0.1:1/none', 'backup');
    await backupJob.run(otherCtx);
    const { ctx, dir } = setup(run, 'postgres://unused@127.0.0.1:1/none', 'backup');
    await rm(dir, { recursive: true, force: true });
    // A directory with this run's name that holds somebody else's finished backup.
    await import('node:fs/promises').then((fs) => fs.cp(otherDir, dir, { recursive: true }));
    const before = await stat(join(dir, 'toc.dat'));
    const error = await rejection(backupJob, ctx);
    expect(error.code).toBe('E_BACKUP_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('already holds a backup');
    expect(error.details.remedy).toBe('When that is fixed, start a new run with `/kong-upgrade start prod`.');
    expect((await stat(join(dir, 'toc.dat'))).mtimeMs).toBe(before.mtimeMs);
    expect((await store.backups.getLatestBackup(run.id))?.status).toBe('failed');
  });

  it('ends the sessions of a pg_dump left over by a killed attempt before dumping again', async () => {
    const run = await newRun('prod');
    const { ctx, dir } = setup(run, 'postgres://unused@127.0.0.1:1/none', 'backup');
    await store.backups.recordBackup({
      runId: run.id,
      path: dir,
      format: 'directory',
      startedAt: new Date(),
      status: 'running',
    });
    // Stands in for the orphaned pg_dump: a session with its application name on X.
    const orphan = new pg.Client({ connectionString: xDb.url, application_name: 'kong-upgrade-bot backup' });
    const ended = new Promise<string>((resolve) =>
      orphan.on('error', (e: Error & { code?: string }) => resolve(e.code ?? '')),
    );
    await orphan.connect();
    await backupJob.run(ctx);
    expect(await ended).toBe('57P01');
    await orphan.end().catch(() => undefined);
  });

  it('keeps the code and message of a pg_dump failure and adds what to do next', async () => {
    const run = await newRun('prod');
    const { ctx } = setup(run, 'postgres://unused@127.0.0.1:1/none', 'backup');
    const missing = new URL(xDb.url);
    missing.pathname = '/kub_jobs_no_such_db';
    missing.password = 'hunter2-secret';
    const error = await rejection(backupJob, {
      ...ctx,
      env: { ...ctx.env, clusterX: { ...ctx.env.clusterX, databaseUrl: missing.toString() } },
    });
    expect(error.code).toBe('E_PG_DATABASE_MISSING');
    expect(error.message).toContain('kub_jobs_no_such_db');
    expect(error.message).not.toContain('hunter2-secret');
    expect(error.details.remedy).toContain('start a new run');
  });
});

describe('restore job', () => {
  it('restores this run’s backup into an empty Y with per-table progress; a retry cleans and restores again', async () => {
    const run = await newRun('prod');
    const y = await newY();
    const { ctx: backupCtx } = setup(run, y.url, 'backup');
    await backupJob.run(backupCtx);
    const { ctx, reports } = setup(run, y.url, 'restore');
    const outcome = await restoreJob.run(ctx);
    expect(summary(outcome)).toMatch(
      /^Restore done: \d+ tables, [\d,]+ rows into postgres:\/\/.*, \d+ s\. Y's database equals X's: \d+ tables, [\d,]+ rows \(Kong's runtime tables .*ratelimiting_metrics.* not compared\)$/,
    );
    expect(reports.filter((r) => r.label.startsWith('restored public.')).length).toBeGreaterThan(10);
    expect(await fingerprintTables(y.url)).toEqual(await fingerprintTables(xDb.url));

    const again = await restoreJob.run(ctx);
    expect(summary(again)).toContain('(what an interrupted earlier attempt had restored was removed first)');
    expect(await fingerprintTables(y.url)).toEqual(await fingerprintTables(xDb.url));
  });

  it('refuses when the run has no finished backup, changing nothing', async () => {
    const run = await newRun('prod');
    const y = await newY();
    const { ctx } = setup(run, y.url, 'restore');
    const error = await rejection(restoreJob, ctx);
    expect(error.code).toBe('E_BACKUP_CORRUPT');
    expect(error.message).toBe(`Run ${run.id} has no finished backup to restore (none was recorded)`);
    expect(error.details.remedy).toBe(
      'Nothing was restored. Start a new run with `/kong-upgrade start prod`.',
    );
    expect(await fingerprintTables(y.url)).toEqual({});
  });

  it('refuses a backup directory whose files are not the ones the run recorded', async () => {
    const run = await newRun('prod');
    const y = await newY();
    const { ctx: backupCtx } = setup(run, y.url, 'backup');
    await backupJob.run(backupCtx);
    const row = await store.backups.getLatestBackup(run.id);
    const [first] = Object.keys(row?.manifest ?? {});
    await store.backups.recordBackup({
      runId: run.id,
      path: row?.path ?? '',
      format: 'directory',
      startedAt: row?.startedAt ?? new Date(),
      status: 'succeeded',
      manifest: { ...row?.manifest, [first ?? 'x']: '0'.repeat(64) },
    });
    const { ctx } = setup(run, y.url, 'restore');
    const error = await rejection(restoreJob, ctx);
    expect(error.code).toBe('E_BACKUP_CORRUPT');
    expect(error.message).toContain('is not the one run');
    expect(await fingerprintTables(y.url)).toEqual({});
  });

  it('ends a pg_restore left over by a killed attempt of this run, then restores cleanly', async () => {
    const run = await newRun('prod');
    const y = await newY();
    const { ctx: backupCtx } = setup(run, y.url, 'backup');
    await backupJob.run(backupCtx);
    const { ctx } = setup(run, y.url, 'restore');
    await restoreJob.run(ctx);
    // As if killed mid-restore: the marker is unfinished and a pg_restore session is still there.
    await queryRows(y.url, 'UPDATE kong_upgrade_bot.restore_marker SET finished_at = NULL');
    const orphan = new pg.Client({ connectionString: y.url, application_name: 'kong-upgrade-bot restore' });
    const ended = new Promise<string>((resolve) =>
      orphan.on('error', (e: Error & { code?: string }) => resolve(e.code ?? '')),
    );
    await orphan.connect();
    const outcome = await restoreJob.run(ctx);
    expect(await ended).toBe('57P01');
    await orphan.end().catch(() => undefined);
    expect(summary(outcome)).toContain('removed first');
    expect(await fingerprintTables(y.url)).toEqual(await fingerprintTables(xDb.url));
  });

  it('does not end pg_restore sessions when the run has no unfinished restore there', async () => {
    const run = await newRun('prod');
    const y = await newY();
    const { ctx: backupCtx } = setup(run, y.url, 'backup');
    await backupJob.run(backupCtx);
    const bystander = new pg.Client({
      connectionString: y.url,
      application_name: 'kong-upgrade-bot restore',
    });
    let ended = false;
    bystander.on('error', () => {
      ended = true;
    });
    await bystander.connect();
    const { ctx } = setup(run, y.url, 'restore');
    await restoreJob.run(ctx);
    expect(ended).toBe(false);
    expect((await bystander.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await bystander.end();
  });

  it('proves the copy: a row X changed after the backup fails the restore naming table and key', async () => {
    const run = await newRun('prod');
    const y = await newY();
    const { ctx: backupCtx } = setup(run, y.url, 'backup');
    await backupJob.run(backupCtx);
    const [consumer] = await queryRows<{ id: string; username: string }>(
      xDb.url,
      'SELECT id::text, username FROM consumers ORDER BY id LIMIT 1',
    );
    // A write to X during the freeze, after the dump: Y (restored from the dump) cannot equal X.
    await queryRows(xDb.url, "UPDATE consumers SET username = 'changed-after-backup' WHERE id = $1", [
      consumer?.id,
    ]);
    try {
      const { ctx } = setup(run, y.url, 'restore');
      const error = await rejection(restoreJob, ctx);
      expect(error.code).toBe('E_RESTORE_FAILED');
      expect(error.message).toBe(
        `After the restore Y's database does not equal X's: public.consumers (key ${consumer?.id} changed)`,
      );
      expect(error.details.differingTables).toEqual(['public.consumers']);
      expect(error.details.remedy).toContain('start a new run');
      expect(error.retryable).toBe(false);
    } finally {
      await queryRows(xDb.url, 'UPDATE consumers SET username = $2 WHERE id = $1', [
        consumer?.id,
        consumer?.username,
      ]);
    }
  });

  it('leaves Kong runtime tables that a live X keeps writing out of the proof', async () => {
    const run = await newRun('prod');
    const y = await newY();
    const { ctx: backupCtx } = setup(run, y.url, 'backup');
    await backupJob.run(backupCtx);
    // Counters and events move with traffic whatever the freeze.
    await queryRows(
      xDb.url,
      `INSERT INTO ratelimiting_metrics (identifier, period, period_date, service_id, route_id, value)
       VALUES ('10.0.0.1', 'second', now(), '00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000', 1)`,
    );
    try {
      const { ctx } = setup(run, y.url, 'restore');
      const outcome = await restoreJob.run(ctx);
      expect(summary(outcome)).toContain("Y's database equals X's");
    } finally {
      await queryRows(xDb.url, "DELETE FROM ratelimiting_metrics WHERE identifier = '10.0.0.1'");
    }
  });
});
