import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupJob, createBackupJob } from '../../jobs/backup.js';
import { JOB_DEFINITIONS } from '../../jobs/index.js';
import type { JobDefinition } from '../../src/engine/job-definition.js';
import { queryRows } from '../support/compare-databases.js';
import { eventually } from '../support/eventually.js';
import { type KongPair, startKongPair } from '../support/kong-pair.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const CHANNEL = 'C0PREPYF01';
const PASSWORD = 's3cret-pw-7781';

/**
 * Issue 4, job level: each backup failure and the refused restore end the run with the library's
 * message (and what to do next) in the thread, leave no partial backup, and change nothing in Y.
 */
describe('preparing Y: failures reach the thread', () => {
  let pair: KongPair;
  let foreign: KongPair;
  let bot: TestBot;
  let scratch: string;

  beforeAll(async () => {
    [pair, foreign] = await Promise.all([startKongPair(), startKongPair()]);
    scratch = await mkdtemp(join(tmpdir(), 'kub-jobfail-'));
    const emptyBin = join(scratch, 'empty-bin');
    const oldBin = join(scratch, 'old-bin');
    await Promise.all([mkdir(emptyBin), mkdir(oldBin)]);
    await writeFile(
      join(oldBin, 'pg_dump'),
      '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 13.4"; exit 0; fi\nexit 1\n',
    );
    await chmod(join(oldBin, 'pg_dump'), 0o755);
    const plainFile = join(scratch, 'plain-file');
    await writeFile(plainFile, 'not a directory');
    // A table somebody else put into Y's database: the restore must refuse it and leave it alone.
    await queryRows(foreign.yDb.url, 'CREATE TABLE services (id int PRIMARY KEY, name text)');
    await queryRows(foreign.yDb.url, "INSERT INTO services VALUES (1, 'theirs'), (2, 'also theirs')");

    // X's database problems would already stop preflight; here the backup job itself must say them.
    const preflight: JobDefinition = {
      name: 'preflight',
      phase: 'preflight',
      run: async () => ({ type: 'succeeded', summary: 'Preflight skipped in this test' }),
    };
    const perEnvironment: Record<string, JobDefinition> = {
      nobin: createBackupJob({ binDir: emptyBin }),
      oldbin: createBackupJob({ binDir: oldBin }),
    };
    const backup: JobDefinition = {
      name: 'backup',
      phase: 'backup',
      run: (ctx) => (perEnvironment[ctx.run.environment] ?? backupJob).run(ctx),
    };
    const xUrl = new URL(pair.xDb.url);
    const missingDb = new URL(xUrl);
    missingDb.pathname = '/kub_no_such_database_4711';
    const badLogin = new URL(xUrl);
    badLogin.username = 'kub_ghost_role';
    badLogin.password = PASSWORD;
    bot = await startTestBot({
      config: {
        slack: { channel: CHANNEL },
        approvals: { approvers: ['U0AAA'] },
        environments: {
          nobin: pair.environment(),
          oldbin: pair.environment(),
          nodb: pair.environment({ clusterX: { ...cluster(pair, 'X'), databaseUrl: missingDb.toString() } }),
          auth: pair.environment({ clusterX: { ...cluster(pair, 'X'), databaseUrl: badLogin.toString() } }),
          disk: pair.environment({ backup: { dir: join(plainFile, 'backups'), jobs: 2 } }),
          foreign: foreign.environment(),
        },
      },
      workers: true,
      definitions: [
        preflight,
        backup,
        ...JOB_DEFINITIONS.filter((d) => !['preflight', 'backup'].includes(d.name)),
      ],
    });
    for (const env of ['nobin', 'oldbin', 'nodb', 'auth', 'disk', 'foreign']) {
      await bot.requester.slashCommand({ text: `start ${env}`, userId: 'U0REQ' });
    }
  }, 120_000);

  afterAll(async () => {
    await bot?.close();
    await Promise.all([pair?.close(), foreign?.close()]);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** The failed run, its failure line in the thread, and the whole thread's text. */
  async function failure(env: string) {
    const runId = `${env}-1`;
    const run = await eventually(async () => {
      const r = await bot.composition.store.runs.getRun(runId);
      return r && ['failed', 'awaiting_gate'].includes(r.phase) && r;
    }, 30_000);
    const messages = await eventually(() => {
      const list = bot.slack.thread(CHANNEL, run.threadTs ?? '');
      return list.some((m) => m.text.startsWith(':x:')) && list;
    });
    const line = messages.find((m) => m.text.startsWith(':x:'))?.text ?? '';
    return { run, line, all: messages.map((m) => m.text).join('\n') };
  }

  async function expectNoBackupLeft(env: string) {
    const names = await readdir(pair.backupDir);
    expect(names.filter((n) => n.startsWith(`${env}-1`))).toEqual([]);
    const row = await bot.composition.store.backups.getLatestBackup(`${env}-1`);
    expect(row?.status).toBe('failed');
  }

  it('pg_dump missing: says which package to install', async () => {
    const { run, line } = await failure('nobin');
    expect(run.failedPhase).toBe('backup');
    expect(run.failureReason).toMatch(/^E_PGDUMP_MISSING: /);
    expect(line).toMatch(/^:x: Backing up X failed: pg_dump was not found in .*empty-bin/);
    expect(line).toContain('Install postgresql-client-15 on the worker machines');
    expect(line).toContain('start a new run with `/kong-upgrade start nobin`');
    await expectNoBackupLeft('nobin');
  });

  it('pg_dump older than the server: says to install a newer client', async () => {
    const { run, line } = await failure('oldbin');
    expect(run.failureReason).toMatch(/^E_PGDUMP_VERSION: /);
    expect(line).toContain('13.4');
    expect(line).toContain('postgresql-client-15');
    await expectNoBackupLeft('oldbin');
  });

  it('database missing: names the database URL to check', async () => {
    const { run, line } = await failure('nodb');
    expect(run.failedPhase).toBe('backup');
    expect(run.failureReason).toMatch(/^E_PG_DATABASE_MISSING: /);
    expect(line).toContain('kub_no_such_database_4711');
    expect(line).toContain('does not exist');
    await expectNoBackupLeft('nodb');
  });

  it('authentication failed: says to check the user and password, never showing the password', async () => {
    const { run, line, all } = await failure('auth');
    expect(run.failureReason).toMatch(/^E_PG_AUTH: /);
    expect(line).toContain('refused the login');
    expect(line).toContain('kub_ghost_role:****@');
    expect(all).not.toContain(PASSWORD);
    expect(run.failureReason).not.toContain(PASSWORD);
    expect(bot.logs.join('')).not.toContain(PASSWORD);
    await expectNoBackupLeft('auth');
  });

  it('backup directory not writable: names backup.dir', async () => {
    const { run, line } = await failure('disk');
    expect(run.failureReason).toMatch(/^E_DISK: /);
    expect(line).toContain('not a directory');
    expect(line).toContain('backup.dir');
    const row = await bot.composition.store.backups.getLatestBackup('disk-1');
    expect(row?.status).toBe('failed');
  });

  it('a foreign non-empty Y database: the restore is refused and changes nothing', async () => {
    const { run, line } = await failure('foreign');
    expect(run.failedPhase).toBe('restore');
    expect(run.failureReason).toMatch(/^E_RESTORE_TARGET_NOT_EMPTY: /);
    expect(line).toMatch(
      /^:x: Restoring into Y's database failed: Y's database .* already holds a Kong schema \(1 tables\)/,
    );
    expect(line).toContain('Point clusterY.databaseUrl at an empty database');
    expect(line).toContain("Y's database was not changed");
    const tables = await queryRows<{ schema: string; name: string }>(
      foreign.yDb.url,
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
    );
    expect(tables).toEqual([{ schema: 'public', name: 'services' }]);
    expect(await queryRows(foreign.yDb.url, 'SELECT id, name FROM services ORDER BY id')).toEqual([
      { id: 1, name: 'theirs' },
      { id: 2, name: 'also theirs' },
    ]);
    // The backup itself succeeded and is kept for a new run.
    expect((await bot.composition.store.backups.getLatestBackup('foreign-1'))?.status).toBe('succeeded');
  });
});

function cluster(p: KongPair, side: 'X' | 'Y'): Record<string, unknown> {
  const env = p.environment();
  return env[side === 'X' ? 'clusterX' : 'clusterY'] as Record<string, unknown>;
}
