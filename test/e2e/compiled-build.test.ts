import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { extname, join } from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { dropSandboxDatabases } from '../../src/sandbox/sandbox-databases.js';
import { sandboxNames } from '../../src/sandbox/sandbox-names.js';
import { eventually } from '../support/eventually.js';
import { REPO_ROOT } from '../support/spawn-bot.js';
import { createTestDatabase, TEST_PG_ADMIN_URL } from '../support/test-database.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';

function run(command: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

/**
 * docs/contract.md#commands: `npm run build` compiles. The compiled entry point must run on its own, including what
 * tsc does not copy (the migrations' .sql files).
 */
describe('npm run build', () => {
  beforeAll(async () => {
    await rm(`${REPO_ROOT}dist`, { recursive: true, force: true });
    const build = await run('npm', ['run', '--silent', 'build']);
    expect(build.code, build.out).toBe(0);
  }, 180_000);

  it('copies every file the code reads at run time (SQL and the like) next to the compiled code', async () => {
    const assets = (await readdir(`${REPO_ROOT}src`, { recursive: true })).filter(
      (f) => !f.endsWith('.ts') && extname(f) !== '',
    );
    expect(assets).toEqual(expect.arrayContaining([join('sandbox', 'kong-schema.sql')]));
    for (const asset of assets) expect(existsSync(`${REPO_ROOT}dist/src/${asset}`), asset).toBe(true);
  });

  it('compiles to dist/, whose main.js applies the migrations to a fresh database', async () => {
    const fresh = await createTestDatabase('kub_build');
    try {
      const migrate = await run(process.execPath, ['dist/src/main.js', 'migrate'], {
        DATABASE_URL: fresh.url,
      });
      expect(migrate.code, migrate.out).toBe(0);
      expect(migrate.out).toContain('"msg":"migrations applied"');
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      const { rows } = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      await client.end();
      expect(rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['runs', 'run_events', 'gates', 'thread_outbox']),
      );

      const usage = await run(process.execPath, ['dist/src/main.js', 'nonsense']);
      expect(usage.code).toBe(1);
      expect(usage.out).toMatch(/usage: main\.ts <start\|worker\|sandbox\|migrate\|check-config>/);
    } finally {
      await fresh.drop();
    }
  }, 60_000);

  it('runs the sandbox from dist/: the page answers, Ctrl-C removes what it created', async () => {
    const name = `build_${randomBytes(3).toString('hex')}`;
    const child = spawn(process.execPath, ['dist/src/main.js', 'sandbox'], {
      cwd: REPO_ROOT,
      env: { ...sandboxEnv(name), PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await eventually(() => out.includes('Press Ctrl-C') || child.exitCode !== null, 60_000, 100);
      const page = /Open (http:\/\/\S+\/sandbox)/.exec(out)?.[1];
      expect(page, out).toBeDefined();
      const res = await fetch(String(page));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('command-input');
      child.kill('SIGINT');
      expect(await exited, out).toBe(0);
      expect(await sandboxLeftovers(name)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await removeSandbox(name);
    }
  }, 90_000);

  it('a sandbox start that fails (its port is taken) removes the databases it had created', async () => {
    const name = `buildfail_${randomBytes(3).toString('hex')}`;
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const start = await run(process.execPath, ['dist/src/main.js', 'sandbox'], {
        ...sandboxEnv(name),
        PORT: String(port),
      });
      expect(start.code, start.out).toBe(1);
      expect(start.out).toContain(`port ${port} is already in use`);
      expect(await sandboxLeftovers(name)).toEqual([]);
    } finally {
      taken.close();
      await removeSandbox(name);
    }
  }, 90_000);
});

function sandboxEnv(name: string): Record<string, string> {
  return {
    DATABASE_URL: TEST_PG_ADMIN_URL,
    REDIS_URL: TEST_REDIS_URL,
    KONG_SANDBOX_NAME: name,
    LOG_LEVEL: 'warn',
  };
}

/** The sandbox's databases still on the server. */
async function sandboxLeftovers(name: string): Promise<string[]> {
  const names = sandboxNames(name);
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE datname = ANY($1)',
    [[names.xDatabase, names.yDatabase, names.botDatabase]],
  );
  await client.end();
  return [...rows.map((r) => r.datname), ...(existsSync(names.workDir) ? [names.workDir] : [])];
}

async function removeSandbox(name: string): Promise<void> {
  const names = sandboxNames(name);
  await dropSandboxDatabases(TEST_PG_ADMIN_URL, [names.xDatabase, names.yDatabase, names.botDatabase]);
  await rm(names.workDir, { recursive: true, force: true });
}
