import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { createRouterLock } from '../../src/store/router-lock.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The router lock against real PostgreSQL, with the pool's statement timeout made short. */
describe('router lock', () => {
  let testDb: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    testDb = await createTestDatabase('kub_router_lock');
    await migrate({ databaseUrl: testDb.url });
    // Statements time out after 400 ms, as after 30 s in production: the wait must not depend on it.
    db = createDb({ databaseUrl: testDb.url, statementTimeoutMs: 400, max: 4 });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('a waiter outlasts the statement timeout while the holder writes, then runs after it', async () => {
    const lock = createRouterLock(db, { waitMs: 5_000 });
    const order: string[] = [];
    const holder = lock.withLock('prod', async () => {
      order.push('holder in');
      await new Promise((r) => setTimeout(r, 1_200)); // a slow router write
      order.push('holder out');
    });
    await new Promise((r) => setTimeout(r, 100));
    const waiter = lock.withLock('prod', async () => {
      order.push('waiter in');
    });
    await holder;
    await waiter;
    expect(order).toEqual(['holder in', 'holder out', 'waiter in']);
  });

  it('a holder that outlives the wait makes the waiter fail without writing; other environments never wait', async () => {
    const lock = createRouterLock(db, { waitMs: 300 });
    let release: () => void = () => undefined;
    const holder = lock.withLock('prod', () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 100));
    let wrote = false;
    const error = await lock
      .withLock('prod', async () => {
        wrote = true;
      })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(Error);
    expect(wrote).toBe(false);
    expect(await lock.withLock('stage', async () => 'free')).toBe('free');
    release();
    await holder;
  });

  it('a worker that stops while waiting gives up at once, without writing (the wait is never stuck inside PostgreSQL)', async () => {
    const lock = createRouterLock(db, { waitMs: 60_000 });
    let release: () => void = () => undefined;
    const holder = lock.withLock('prod', () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 100));
    const shutdown = new AbortController();
    let wrote = false;
    const waiting = lock
      .withLock(
        'prod',
        async () => {
          wrote = true;
        },
        { signal: shutdown.signal },
      )
      .catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 300));
    const stoppedAt = Date.now();
    shutdown.abort();
    const error = await waiting;
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    expect(error).toMatchObject({ code: 'E_STORE_CONFLICT', retryable: true });
    expect(wrote).toBe(false);
    release();
    await holder;
  });
});
