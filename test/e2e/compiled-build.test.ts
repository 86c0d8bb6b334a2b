import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/spawn-bot.js';
import { createTestDatabase } from '../support/test-database.js';

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
  it('compiles to dist/, whose main.js applies the migrations to a fresh database', async () => {
    await rm(`${REPO_ROOT}dist`, { recursive: true, force: true });
    const build = await run('npm', ['run', '--silent', 'build']);
    expect(build.code, build.out).toBe(0);

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
  }, 180_000);
});
