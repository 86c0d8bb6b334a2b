import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPgDump } from '../../src/backup/run-pg-dump.js';
import type { BotConfig } from '../../src/config/config-schema.js';
import { dropOrphanRehearsals } from '../../src/deploy/drop-orphan-rehearsals.js';
import { formatRehearsalReport } from '../../src/deploy/format-rehearsal-report.js';
import { rehearsalDatabaseName, rehearsalLockKey } from '../../src/deploy/rehearsal-database-name.js';
import { type RehearseMigrationsOptions, rehearseMigrations } from '../../src/deploy/rehearse-migrations.js';
import { isAppError } from '../../src/errors.js';
import { seedKongDatabase } from '../../src/sandbox/seed-kong-database.js';
import { fingerprintTables } from '../support/compare-databases.js';
import { createTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from '../support/test-database.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CLI = 'src/sandbox/kong-migrations-cli.ts';
const log = pino({ level: 'silent' });
const migrate = (...extra: string[]) => [
  process.execPath,
  '--import',
  TSX,
  CLI,
  'up',
  '--version',
  '3.9.1',
  ...extra,
];

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    const res = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return res.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('rehearseMigrations: kong migrations on a scratch copy of Y', () => {
  let y: TestDatabase;
  let backupDir: string;
  let runNo = 0;
  // Unique per test so that parallel test files never share a scratch database.
  const runId = () => `rh${process.pid}-${++runNo}`;

  beforeAll(async () => {
    y = await createTestDatabase('kub_rehy');
    await seedKongDatabase(y.url, { version: '3.4.2', services: 3, consumers: 400, seed: 3 });
    backupDir = await mkdtemp(join(tmpdir(), 'kub-rehearsal-'));
    await runPgDump({ databaseUrl: y.url, dir: join(backupDir, 'b'), jobs: 2 });
  }, 60_000);
  afterAll(async () => {
    await y?.drop();
    if (backupDir) await rm(backupDir, { recursive: true, force: true });
  });

  const options = (
    id: string,
    overrides: Partial<RehearseMigrationsOptions> = {},
  ): RehearseMigrationsOptions => ({
    rehearsal: { commands: [migrate()], timeoutSeconds: 30 },
    databaseUrl: y.url,
    runId: id,
    backupDir: join(backupDir, 'b'),
    jobs: 2,
    baseEnv: { PATH: process.env.PATH ?? '' },
    log,
    ...overrides,
  });

  it('copies Y by TEMPLATE when nobody is connected, migrates only the copy, reports, and drops it', async () => {
    const before = await fingerprintTables(y.url);
    const id = runId();
    const report = await rehearseMigrations(options(id));
    expect(report.method).toBe('template');
    expect(report.database).toBe(rehearsalDatabaseName(id));
    expect(report.ran).toContain('core:024_380_to_390');
    expect(report.before.executed).not.toContain('core:024_380_to_390');
    expect(report.after.executed).toContain('core:024_380_to_390');
    expect(report.largestTables[0]).toMatchObject({
      table: expect.stringMatching(/consumers|keyauth_credentials/),
    });
    expect(report.largestTables[0]?.rows).toBeGreaterThanOrEqual(400);
    expect(report.durationMs).toBeGreaterThan(0);
    expect(report.suggested).toEqual({ dbTimeoutSeconds: 60, lockTimeoutSeconds: 60 });
    expect(await fingerprintTables(y.url)).toEqual(before);
    expect(await databaseExists(report.database)).toBe(false);
    const text = formatRehearsalReport(report);
    expect(text).toMatch(/Migration rehearsal passed in \d+\.\d s/);
    expect(text).toContain('--db-timeout 60 --lock-timeout 60');
    expect(text).toContain('kong migrations list');
  }, 60_000);

  it("restores the copy from the run's backup when someone is connected to Y", async () => {
    const holder = new pg.Client({ connectionString: y.url });
    await holder.connect();
    try {
      const report = await rehearseMigrations(options(runId()));
      expect(report.method).toBe('restore');
      expect(report.ran).toContain('core:024_380_to_390');
      expect(await databaseExists(report.database)).toBe(false);
    } finally {
      await holder.end();
    }
  }, 60_000);

  it('fails quoting the last lines, leaves Y untouched and drops the copy', async () => {
    const before = await fingerprintTables(y.url);
    const id = runId();
    const error = await rehearseMigrations(
      options(id, {
        rehearsal: { commands: [migrate('--fail', 'relation "ws_3100" missing')], timeoutSeconds: 30 },
      }),
    ).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('E_REHEARSAL_FAILED');
    expect((error as Error).message).toContain('exited with code 1');
    expect((error as Error).message).toContain('relation "ws_3100" missing');
    expect((error as Error).message).toContain("Y's database was not touched");
    expect(isAppError(error) && String(error.details.remedy)).toContain('kong migrations list');
    expect(await fingerprintTables(y.url)).toEqual(before);
    expect(await databaseExists(rehearsalDatabaseName(id))).toBe(false);
  }, 60_000);

  it('stops a rehearsal at its timeout, warns about re-running, and drops the copy it was busy on', async () => {
    const id = runId();
    const error = await rehearseMigrations(
      options(id, { rehearsal: { commands: [migrate('--delay-ms', '20000')], timeoutSeconds: 2 } }),
    ).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('E_REHEARSAL_TIMEOUT');
    expect((error as Error).message).toContain('after 2 s');
    expect((error as Error).message).toContain('migrating a large table');
    expect(isAppError(error) && String(error.details.remedy)).toMatch(
      /--db-timeout \d+ --lock-timeout \d+.*Never re-run a migration that timed out without first checking `kong migrations list`/,
    );
    expect(await databaseExists(rehearsalDatabaseName(id))).toBe(false);
  }, 60_000);

  it("gives the commands only the allowlisted environment and the copy's KONG_PG_*", async () => {
    const id = runId();
    const lines: string[] = [];
    await rehearseMigrations(
      options(id, {
        rehearsal: {
          commands: [
            [
              process.execPath,
              '-e',
              'console.log(Object.keys(process.env).sort().join(","), process.env.KONG_PG_DATABASE)',
            ],
          ],
          timeoutSeconds: 30,
        },
        baseEnv: {
          PATH: process.env.PATH ?? '',
          HOME: '/home/k',
          LC_ALL: 'C',
          SLACK_BOT_TOKEN: 'xoxb-secret',
          KONG_PG_DATABASE: 'kong_y_real',
          KUBECONFIG: '/k',
          DEPLOY_TOKEN: 'tok',
        },
        envNames: ['DEPLOY_TOKEN'],
        onStepEnd: (_, step) => {
          lines.push(...step.tail);
        },
      }),
    );
    const [keys = '', database] = (lines[0] ?? '').split(' ');
    expect(database).toBe(rehearsalDatabaseName(id));
    const names = keys.split(',');
    expect(names).toEqual(expect.arrayContaining(['PATH', 'HOME', 'LC_ALL', 'DEPLOY_TOKEN', 'KONG_PG_HOST']));
    expect(names).not.toContain('SLACK_BOT_TOKEN');
    expect(names).not.toContain('KUBECONFIG');
  }, 60_000);

  it('says a user without CREATEDB cannot rehearse, permanently, leaving Y alone', async () => {
    const role = `kub_nocreatedb_${process.pid}`;
    const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.query(`CREATE ROLE ${role} LOGIN NOCREATEDB`);
      const url = new URL(y.url);
      url.username = role;
      // Someone is connected to Y, so the copy would be restored into a database the user must create.
      const holder = new pg.Client({ connectionString: y.url });
      await holder.connect();
      const error = await rehearseMigrations(options(runId(), { databaseUrl: url.toString() }))
        .catch((e: unknown) => e)
        .finally(() => holder.end());
      expect(isAppError(error) && error.code).toBe('E_REHEARSAL_FAILED');
      expect(isAppError(error) && error.retryable).toBe(false);
      expect((error as Error).message).toContain('CREATEDB');
      expect(isAppError(error) && String(error.details.remedy)).toContain('clusterY.databaseUrl');
    } finally {
      await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin.end();
    }
  }, 60_000);

  it('the reconciler drops orphaned copies it recognises, never a live one or another database', async () => {
    const orphan = rehearsalDatabaseName(`orphan-${process.pid}`);
    const live = rehearsalDatabaseName(`live-${process.pid}`);
    const other = await createTestDatabase('kub_rehearsal_like');
    const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
    await admin.connect();
    try {
      for (const name of [orphan, live]) await admin.query(`CREATE DATABASE "${name}"`);
      await admin.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [rehearsalLockKey(live)]);
      const config = {
        environments: {
          prod: { clusterY: { databaseUrl: y.url }, deploy: { rehearsal: { commands: [['x']] } } },
        },
      } as unknown as BotConfig;
      const dropped = await dropOrphanRehearsals(config, log);
      expect(dropped).toContain(orphan);
      expect(dropped).not.toContain(live);
      expect(await databaseExists(orphan)).toBe(false);
      expect(await databaseExists(live)).toBe(true);
      expect(await databaseExists(other.name)).toBe(true);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${live}" WITH (FORCE)`).catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS "${orphan}" WITH (FORCE)`).catch(() => undefined);
      await admin.end();
      await other.drop();
    }
  }, 60_000);
});
