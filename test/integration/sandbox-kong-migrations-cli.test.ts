import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kongPgEnv } from '../../src/deploy/kong-pg-env.js';
import { createKongSchema } from '../../src/sandbox/create-kong-schema.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const CLI = 'src/sandbox/kong-migrations-cli.ts';
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function runCli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    // Only PATH and the KONG_PG_* settings: what the deploy job's child environment carries.
    execFile(
      process.execPath,
      ['--import', TSX, CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('kong-migrations-cli (the sandbox deploy step)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('kub_kongmig');
    await createKongSchema(db.url, { version: '3.4.2' });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('up brings a restored 3.4 schema to 3.9.1 through KONG_PG_*; finish then finds nothing to do', async () => {
    const up = await runCli(['up', '--version', '3.9.1'], kongPgEnv(db.url));
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/^migrations up: \d+ migrations run for Kong 3\.9\.1: .*core:024_380_to_390/);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const meta = await client.query<{ executed: string[] }>(
        "SELECT executed FROM schema_meta WHERE key = 'schema_meta' AND subsystem = 'core'",
      );
      expect(meta.rows[0]?.executed).toContain('024_380_to_390');
      const table = await client.query("SELECT to_regclass('public.clustering_sync_version') AS t");
      expect(table.rows[0]?.t).toBe('clustering_sync_version');
    } finally {
      await client.end();
    }
    const finish = await runCli(['finish', '--version', '3.9.1'], kongPgEnv(db.url));
    expect(finish.code).toBe(0);
    expect(finish.stdout).toBe('migrations finish: database is already up to date for Kong 3.9.1\n');
  });

  it('enable-prometheus-metrics turns on the 3.x switches a plugin row restored from 2.8 lacks', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO plugins (id, name, config, enabled, protocols, ws_id)
         SELECT '0f0f0f0f-0000-4000-8000-000000000001', 'prometheus', '{"per_consumer": false}'::jsonb, true,
                '{http,https}', id FROM workspaces LIMIT 1`,
      );
      const run = await runCli(['enable-prometheus-metrics'], kongPgEnv(db.url));
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(
        'prometheus plugin: status_code_metrics, latency_metrics and bandwidth_metrics on (1 plugin row)\n',
      );
      const row = await client.query<{ config: Record<string, unknown> }>(
        "SELECT config FROM plugins WHERE name = 'prometheus'",
      );
      expect(row.rows[0]?.config).toEqual({
        per_consumer: false,
        status_code_metrics: true,
        latency_metrics: true,
        bandwidth_metrics: true,
      });
    } finally {
      await client.query("DELETE FROM plugins WHERE name = 'prometheus'");
      await client.end();
    }
  });

  it('refuses bad arguments with the usage line (exit 2)', async () => {
    for (const args of [
      [],
      ['down', '--version', '3.9.1'],
      ['up', '3.9.1'],
      ['up', '--version'],
      ['up', '--version', '3.9.1', '--delay-ms', 'soon'],
      ['up', '--version', '3.9.1', '--bogus', '1'],
      ['up', '--delay-ms', '10'],
      ['enable-prometheus-metrics', '--version', '3.9.1'],
    ]) {
      const result = await runCli(args, kongPgEnv(db.url));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        'usage: kong-migrations-cli.ts <up|finish> --version <kong version> [--delay-ms <ms>] [--fail <message>]',
      );
    }
  });

  it('fails in plain words without KONG_PG_HOST, or when the database is unreachable (no password shown)', async () => {
    const missing = await runCli(['up', '--version', '3.9.1'], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^migrations failed: KONG_PG_HOST is not set/);
    const env = kongPgEnv('postgres://kong:pw-mig-77@127.0.0.1:1/kong_y');
    const down = await runCli(['up', '--version', '3.9.1'], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^migrations failed: Cannot connect to postgres:\/\/kong:\*\*\*\*@127\.0\.0\.1:1\/kong_y/,
    );
    expect(down.stderr).not.toContain('pw-mig-77');
    expect(down.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a version older than the schema supports', async () => {
    const result = await runCli(['up', '--version', '1.5.0'], kongPgEnv(db.url));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Kong version "1\.5\.0" is not supported/);
  });
});
