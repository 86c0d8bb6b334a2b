import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { sandboxNames } from '../../src/sandbox/sandbox-names.js';
import { eventually } from '../support/eventually.js';
import { groupAlive, groupCommandLines, TSX_CLI } from '../support/process-group.js';
import { TEST_PG_ADMIN_URL } from '../support/test-database.js';
import { TEST_REDIS_URL } from '../support/test-redis.js';

interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code, or the signal that ended npm. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** `npm run sandbox` in its own process group, as a terminal runs it (Ctrl-C signals the whole group). */
function spawnSandbox(env: Record<string, string>): Spawned {
  const child = spawn('npm', ['run', '--silent', 'sandbox'], {
    cwd: process.cwd(),
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    // 'close' comes after every process holding the output pipes (npm, sh, node) is gone.
    child.on('close', (code, signal) => resolve(code ?? signal)),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** What a sandbox named `sandboxName` left on the servers and disk. */
async function leftovers(sandboxName: string) {
  const names = sandboxNames(sandboxName);
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY datname',
    [[names.xDatabase, names.yDatabase, names.botDatabase]],
  );
  await admin.end();
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const redisKeys = await redis.keys(`${names.queuePrefix}:*`);
  redis.disconnect();
  return { databases: rows.map((r) => r.datname), redisKeys, workDir: existsSync(names.workDir) };
}

const NO_STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;
const started: Spawned[] = [];
const name = `proc_${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  for (const s of started) {
    if (s.child.pid !== undefined && groupAlive(s.child.pid)) process.kill(-s.child.pid, 'SIGKILL');
  }
  // Ctrl-C removes the sandbox's state (checked below); this cleans up after a failed assertion.
  const names = sandboxNames(name);
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  for (const db of [names.xDatabase, names.yDatabase, names.botDatabase])
    await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  await admin.end();
  const queue = new Queue('kong-upgrade', { connection: { url: TEST_REDIS_URL }, prefix: names.queuePrefix });
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await rm(names.workDir, { recursive: true, force: true });
});

describe('npm run sandbox as a process', () => {
  it('serves the page within 30 s, prints where everything is, and Ctrl-C stops every process and port', async () => {
    const port = await freePort();
    const sandbox = spawnSandbox({
      PORT: String(port),
      KONG_SANDBOX_NAME: name,
      DATABASE_URL: TEST_PG_ADMIN_URL,
      REDIS_URL: TEST_REDIS_URL,
    });
    started.push(sandbox);
    const begin = Date.now();
    await eventually(() => sandbox.stdout().includes('Press Ctrl-C'), 30_000, 100).catch((error) => {
      throw new Error(`${String(error)}\nstdout:\n${sandbox.stdout()}\nstderr:\n${sandbox.stderr()}`);
    });
    expect(Date.now() - begin).toBeLessThan(30_000);
    const out = sandbox.stdout();
    expect(out).toContain(`Open http://localhost:${port}/sandbox`);
    expect(out).toContain('/kong-upgrade start sandbox');
    expect(out).toMatch(/config\s+\S+kong-upgrade\.sandbox\.yaml/);

    const page = await fetch(`http://127.0.0.1:${port}/sandbox`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('command-input');

    // Every server it printed (page, bot, X, Y, balancer) is listening now, and must be closed after.
    const ports = [
      ...new Set([...out.matchAll(/http:\/\/(?:127\.0\.0\.1|localhost):(\d+)/g)].map((m) => Number(m[1]))),
    ];
    expect(ports.length).toBeGreaterThanOrEqual(7);
    for (const p of ports) expect(await accepts(p)).toBe(true);

    const pgid = sandbox.child.pid ?? 0;
    // Ctrl-C reaches the node running the sandbox itself: tsx's CLI in between would SIGKILL it when
    // it is busy for 60 ms, and the sandbox would never get to stop its servers.
    const commands = groupCommandLines(pgid);
    expect(
      commands.filter((c) => /^\S*node --import tsx src\/main\.ts sandbox$/.test(c)),
      commands.join('\n'),
    ).toHaveLength(1);
    expect(commands.filter((c) => TSX_CLI.test(c))).toEqual([]);
    process.kill(-pgid, 'SIGINT');
    const code = await Promise.race([
      sandbox.exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000)),
    ]);
    // npm dies of the SIGINT itself, as in a terminal; the sandbox under it must finish its shutdown.
    expect([0, 'SIGINT']).toContain(code);
    // npm, sh and node all gone: nothing of the group is left behind.
    await eventually(() => !groupAlive(pgid), 15_000);
    expect(sandbox.stdout(), sandbox.stderr()).toContain('sandbox stopped.');
    for (const p of ports) expect(await accepts(p)).toBe(false);
    expect(sandbox.stderr()).not.toMatch(NO_STACK);
    // …and nothing it created: databases, queue keys, work directory.
    expect(await leftovers(name)).toEqual({ databases: [], redisKeys: [], workDir: false });
  }, 60_000);

  it('says how to start PostgreSQL and Redis when they cannot be reached, without a stack trace or the password', async () => {
    const [pgPort, redisPort] = [await freePort(), await freePort()];
    const noPg = spawnSandbox({
      KONG_SANDBOX_NAME: `${name}_nopg`,
      PORT: '0',
      DATABASE_URL: `postgres://postgres:pw-s3cret-771@127.0.0.1:${pgPort}/kong_upgrade`,
      REDIS_URL: TEST_REDIS_URL,
    });
    const noRedis = spawnSandbox({
      KONG_SANDBOX_NAME: `${name}_noredis`,
      PORT: '0',
      DATABASE_URL: TEST_PG_ADMIN_URL,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    });
    started.push(noPg, noRedis);
    const [pgCode, redisCode] = await Promise.all([noPg.exited, noRedis.exited]);

    expect(pgCode).not.toBe(0);
    const pgText = noPg.stderr();
    expect(pgText).toContain('docker compose -f docker-compose.dev.yml up -d');
    expect(pgText).toContain('DATABASE_URL=');
    expect(pgText).toContain(`PostgreSQL at postgres://postgres:****@127.0.0.1:${pgPort}/postgres`);
    expect(pgText).not.toContain('pw-s3cret-771');
    expect(pgText).not.toMatch(/Redis at/);
    expect(pgText).not.toMatch(NO_STACK);

    expect(redisCode).not.toBe(0);
    const redisText = noRedis.stderr();
    expect(redisText).toContain('docker compose -f docker-compose.dev.yml up -d');
    expect(redisText).toContain(`Redis at redis://127.0.0.1:${redisPort}: connection refused`);
    expect(redisText).not.toMatch(/PostgreSQL at/);
    expect(redisText).not.toMatch(NO_STACK);
    // Nothing was started, so nothing was printed as running.
    expect(noPg.stdout() + noRedis.stdout()).not.toContain('sandbox is running');
  }, 30_000);
});
