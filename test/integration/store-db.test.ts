import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createDb, type Db } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let testDb: TestDatabase;
let db: Db;

beforeAll(async () => {
  testDb = await createTestDatabase('kub_store_db');
  db = createDb({ databaseUrl: testDb.url, max: 3 });
  await db.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

describe('createDb', () => {
  it('pings a live server and runs parameterised queries', async () => {
    await expect(db.ping()).resolves.toBeUndefined();
    await db.query('INSERT INTO t VALUES ($1, $2)', [1, 'a']);
    expect(await db.query('SELECT * FROM t WHERE id = $1', [1])).toEqual([{ id: 1, v: 'a' }]);
  });

  it('names its connections for pg_stat_activity, unless DATABASE_URL names them', async () => {
    expect(await db.query("SELECT current_setting('application_name') AS name")).toEqual([
      { name: 'kong-upgrade-bot pool' },
    ]);
    const url = new URL(testDb.url);
    url.searchParams.set('application_name', 'ops-chosen');
    const named = createDb({ databaseUrl: url.toString(), max: 1 });
    try {
      expect(await named.query("SELECT current_setting('application_name') AS name")).toEqual([
        { name: 'ops-chosen' },
      ]);
    } finally {
      await named.close();
    }
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    const value = await db.withTransaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (2, $1)', ['b']);
      return 'done';
    });
    expect(value).toBe('done');
    await expect(
      db.withTransaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (3, $1)', ['c']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await db.query('SELECT id FROM t ORDER BY id')).map((r) => r.id)).toEqual([1, 2]);
  });

  it('returns the connection to the pool after failures (no leak)', async () => {
    for (let i = 0; i < 10; i++) {
      await db.withTransaction((tx) => tx.query('SELECT 1/0')).catch(() => undefined);
    }
    await expect(db.ping()).resolves.toBeUndefined();
  });

  it('maps a unique violation to E_STORE_CONFLICT with the constraint', async () => {
    const error = await db.query('INSERT INTO t VALUES (1, $1)', ['dup']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'E_STORE_CONFLICT',
      retryable: false,
      details: { constraint: 't_pkey' },
    });
  });

  it('maps other statement errors to a non-retryable E_UNKNOWN with the SQLSTATE', async () => {
    await expect(db.query('SELECT * FROM no_such_table')).rejects.toMatchObject({
      code: 'E_UNKNOWN',
      retryable: false,
      details: { sqlState: '42P01' },
    });
  });

  it('reports an unreachable server as retryable E_STORE_UNAVAILABLE without the password', async () => {
    const down = createDb({
      databaseUrl: 'postgres://bot:pw-secret-1@127.0.0.1:1/kong',
      connectionTimeoutMs: 1000,
    });
    try {
      for (const attempt of [() => down.ping(), () => down.withTransaction(async () => 1)]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'E_STORE_UNAVAILABLE', retryable: true });
        expect((error as Error).message).toMatch(
          /^PostgreSQL is not reachable at postgres:\/\/bot:\*\*\*\*@127\.0\.0\.1:1\/kong/,
        );
        expect((error as Error).message).not.toContain('pw-secret-1');
      }
    } finally {
      await down.close();
    }
  });

  it('reports a missing database as non-retryable E_STORE_UNAVAILABLE', async () => {
    const url = new URL(testDb.url);
    url.pathname = '/kub_store_db_does_not_exist';
    const missing = createDb({ databaseUrl: url.toString() });
    try {
      await expect(missing.ping()).rejects.toMatchObject({
        code: 'E_STORE_UNAVAILABLE',
        retryable: false,
        details: { sqlState: '3D000' },
      });
    } finally {
      await missing.close();
    }
  });

  it('maps a statement timeout to retryable E_STORE_UNAVAILABLE and a lock timeout to a retryable conflict', async () => {
    const slow = createDb({ databaseUrl: testDb.url, statementTimeoutMs: 100 });
    try {
      await expect(slow.query('SELECT pg_sleep(2)')).rejects.toMatchObject({
        code: 'E_STORE_UNAVAILABLE',
        retryable: true,
        details: { sqlState: '57014' },
      });
      const error = await slow
        .withTransaction(async (tx) => {
          await tx.query("SET LOCAL lock_timeout = '50ms'");
          return db.withTransaction(async (other) => {
            await other.query('SELECT * FROM t WHERE id = 1 FOR UPDATE');
            await tx.query('SELECT * FROM t WHERE id = 1 FOR UPDATE');
          });
        })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'E_STORE_CONFLICT',
        retryable: true,
        details: { sqlState: '55P03' },
      });
    } finally {
      await slow.close();
    }
  });
});
