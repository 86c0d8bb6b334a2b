import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobLeases, type JobLeases } from '../../src/store/job-leases.js';
import { eventually } from '../support/eventually.js';
import { startStallingTcpProxy } from '../support/stalling-tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let testDb: TestDatabase;
let leases: JobLeases;

beforeAll(async () => {
  testDb = await createTestDatabase('kub_leases');
  leases = createJobLeases({ databaseUrl: testDb.url });
});
afterAll(async () => {
  await leases?.close();
  await testDb?.drop();
});

async function query<T>(sql: string): Promise<T[]> {
  const admin = new pg.Client({ connectionString: testDb.url });
  await admin.connect();
  try {
    return (await admin.query(sql)).rows as T[];
  } finally {
    await admin.end();
  }
}

/** Ends every session holding an advisory lock on the test database, as a killed worker's would end. */
async function terminateLeaseSessions(): Promise<number> {
  // In the select list, so it runs only on the rows the filter kept (this database's lease sessions).
  const killed = await query<{ ended: boolean }>(
    `SELECT pg_terminate_backend(l.pid) AS ended FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.pid <> pg_backend_pid()
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return killed.filter((k) => k.ended).length;
}

describe('job leases (PostgreSQL session locks)', () => {
  it('one holder per job id at a time, across processes; released, the next one gets it', async () => {
    const other = createJobLeases({ databaseUrl: testDb.url }); // another worker process
    const first = await leases.tryAcquire('prod-1.backup');
    expect(first).not.toBeNull();
    expect(await other.tryAcquire('prod-1.backup')).toBeNull();
    expect(await leases.tryAcquire('prod-1.backup')).toBeNull();
    const unrelated = await other.tryAcquire('prod-1.restore');
    expect(unrelated).not.toBeNull();
    await first?.release();
    await first?.release(); // twice is harmless
    const next = await other.tryAcquire('prod-1.backup');
    expect(next).not.toBeNull();
    await next?.release();
    await unrelated?.release();
    await other.close();
  });

  it('a holder whose connection dies (its worker was killed) frees the lease for other processes', async () => {
    const other = createJobLeases({ databaseUrl: testDb.url });
    const held = await leases.tryAcquire('prod-2.deploy');
    expect(held).not.toBeNull();
    expect(await other.tryAcquire('prod-2.deploy')).toBeNull();
    expect(await terminateLeaseSessions()).toBeGreaterThan(0);
    const taken = await eventually(() => other.tryAcquire('prod-2.deploy'), 5_000);
    // In this process the copy holding it still runs: no second copy here, though the lock is gone.
    expect(await leases.tryAcquire('prod-2.deploy')).toBeNull();
    await taken.release();
    await held?.release();
    // This process opens a new connection for its next lease.
    const again = await leases.tryAcquire('prod-2.deploy');
    expect(again).not.toBeNull();
    await again?.release();
    await other.close();
  });

  it('holds every lease of a process on one connection; close ends them all', async () => {
    const mine = createJobLeases({ databaseUrl: testDb.url });
    const other = createJobLeases({ databaseUrl: testDb.url });
    const ids = ['prod-4.backup', 'prod-5.restore', 'prod-6.deploy', 'prod-7.verify', 'prod-8.shift.1'];
    const taken = await Promise.all(ids.map((id) => mine.tryAcquire(id)));
    expect(taken.every((l) => l !== null)).toBe(true);
    const pids = await query<{ pids: string }>(
      `SELECT count(DISTINCT pid) AS pids FROM pg_locks WHERE locktype = 'advisory' AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(Number(pids[0]?.pids)).toBe(1);
    // Named, so an operator can tell which session holds a job's lease.
    expect(
      await query<{ name: string }>(
        `SELECT DISTINCT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a USING (pid)
          WHERE l.locktype = 'advisory' AND l.granted
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      ),
    ).toEqual([{ name: 'kong-upgrade-bot job leases' }]);
    for (const id of ids) expect(await other.tryAcquire(id)).toBeNull();
    await mine.close();
    const next = await eventually(() => other.tryAcquire('prod-4.backup'), 5_000);
    await next.release();
    await expect(mine.tryAcquire('prod-9.backup')).rejects.toThrow(/closed/);
    await other.close();
  });

  it('a connection the network dropped silently: the release and the next lease give up within the deadline, then a new connection serves', async () => {
    const proxy = await startStallingTcpProxy('127.0.0.1', Number(new URL(testDb.url).port || 5432));
    const viaProxy = new URL(testDb.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const flaky = createJobLeases({ databaseUrl: viaProxy.toString(), queryTimeoutMs: 300 });
    const notAHang = <T>(p: Promise<T>) =>
      Promise.race([
        p,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('hung')), 5_000)),
      ]);
    try {
      const first = await flaky.tryAcquire('prod-10.backup');
      expect(first).not.toBeNull();
      proxy.stall();
      // The job's end does not wait for an answer that never comes.
      await notAHang(first?.release() ?? Promise.resolve());
      proxy.resume();
      const second = await notAHang(flaky.tryAcquire('prod-11.restore'));
      expect(second).not.toBeNull();
      proxy.stall();
      await expect(notAHang(flaky.tryAcquire('prod-12.deploy'))).rejects.toMatchObject({
        code: 'E_STORE_UNAVAILABLE',
        retryable: true,
        message: expect.stringContaining('did not answer a job lease query'),
      });
      proxy.resume();
      const third = await notAHang(flaky.tryAcquire('prod-12.deploy'));
      expect(third).not.toBeNull();
      await third?.release();
    } finally {
      await flaky.close();
      await proxy.close();
    }
  });

  it('PostgreSQL down: a clear retryable error, not a lease', async () => {
    const down = createJobLeases({ databaseUrl: 'postgres://postgres@127.0.0.1:1/kub' });
    await expect(down.tryAcquire('prod-3.verify')).rejects.toMatchObject({
      code: 'E_STORE_UNAVAILABLE',
      retryable: true,
    });
  });
});
