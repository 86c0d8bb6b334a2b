import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobLeases, type JobLeases } from '../../src/store/job-leases.js';
import { eventually } from '../support/eventually.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let testDb: TestDatabase;
let leases: JobLeases;

beforeAll(async () => {
  testDb = await createTestDatabase('kub_leases');
  leases = createJobLeases({ databaseUrl: testDb.url });
});
afterAll(async () => {
  await testDb?.drop();
});

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
  });

  it('a holder whose connection dies (its worker was killed) frees the lease', async () => {
    const held = await leases.tryAcquire('prod-2.deploy');
    expect(held).not.toBeNull();
    const admin = new pg.Client({ connectionString: testDb.url });
    await admin.connect();
    try {
      const killed = await admin.query(
        `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
          WHERE l.locktype = 'advisory' AND l.pid <> pg_backend_pid()`,
      );
      expect(killed.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    const taken = await eventually(() => leases.tryAcquire('prod-2.deploy'), 5_000);
    await taken.release();
    await held?.release();
  });

  it('PostgreSQL down: a clear retryable error, not a lease', async () => {
    const down = createJobLeases({ databaseUrl: 'postgres://postgres@127.0.0.1:1/kub' });
    await expect(down.tryAcquire('prod-3.verify')).rejects.toMatchObject({
      code: 'E_STORE_UNAVAILABLE',
      retryable: true,
    });
  });
});
