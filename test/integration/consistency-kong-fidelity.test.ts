import { afterEach, describe, expect, it } from 'vitest';
import { checkConsistency } from '../../src/backup/check-consistency.js';
import { judgeMigratedChanges } from '../../src/domain/judge-migrated-changes.js';
import { AppError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { query } from './backup-fixture.js';

// Databases as Kong really leaves them: tables outside `public`, text keys in another order.
const dbs: TestDatabase[] = [];
async function pair(): Promise<[TestDatabase, TestDatabase]> {
  const x = await createTestDatabase('kub_fidelity_x');
  const y = await createTestDatabase('kub_fidelity_y');
  dbs.push(x, y);
  return [x, y];
}
afterEach(async () => {
  await Promise.all(dbs.splice(0).map((d) => d.drop()));
});

describe('consistency check on Kong databases as they really are', () => {
  it("compares Kong's tables where schema_meta is (pg_schema), not an empty public schema", async () => {
    const [x, y] = await pair();
    const ddl = `CREATE SCHEMA kong;
      CREATE TABLE kong.schema_meta (key text, subsystem text, last_executed text, executed text[], pending text[],
        PRIMARY KEY (key, subsystem));
      INSERT INTO kong.schema_meta VALUES ('schema_meta', 'core', '016_280_to_300', '{000_base}', '{}');
      CREATE TABLE kong.services (id uuid PRIMARY KEY, name text);
      INSERT INTO kong.services SELECT md5('s' || g)::uuid, 'svc-' || g FROM generate_series(1, 50) g;`;
    await query(x.url, ddl);
    await query(y.url, ddl);
    await query(y.url, "UPDATE kong.services SET name = 'changed' WHERE name = 'svc-7'");
    const report = await checkConsistency({ xUrl: x.url, yUrl: y.url });
    expect(report.tables.map((t) => t.table)).toEqual(['kong.schema_meta', 'kong.services']);
    expect(report.equal).toBe(false);
    expect(report.tables[1]).toMatchObject({ xRows: 50, differenceCount: 1 });
  });

  it('no table compared is a failure, never a pass', async () => {
    const [x, y] = await pair();
    const error = await checkConsistency({ xUrl: x.url, yUrl: y.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('E_VERIFY_FAILED');
    expect((error as AppError).message).toMatch(/No table was compared.*schema "public"/);
  });

  it('cuts text keys bytewise even when both databases report the same collation but sort differently', async () => {
    const [x, y] = await pair();
    // Same datcollate on both servers; the key column's own collation differs (as an ICU database would).
    const ddl = (
      coll: string,
    ) => `CREATE TABLE parameters (key text COLLATE "${coll}" PRIMARY KEY, value text);
      INSERT INTO parameters SELECT CASE WHEN g % 2 = 0 THEN 'Key-' ELSE 'key-' END || g, 'v' || g FROM generate_series(1, 1000) g`;
    await query(x.url, ddl('en-x-icu'));
    await query(y.url, ddl('C'));
    await query(y.url, "UPDATE parameters SET value = 'changed' WHERE key = 'Key-500'");
    const started = Date.now();
    const report = await checkConsistency({ xUrl: x.url, yUrl: y.url, chunkRows: 100, rowLevelRows: 20 });
    expect(report.tables[0]).toMatchObject({
      table: 'public.parameters',
      xRows: 1000,
      yRows: 1000,
      differenceCount: 1,
      differences: [{ key: 'Key-500', kind: 'changed' }],
    });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("TTL'd rows are compared while Kong holds them: an expired key gone on one side is no difference", async () => {
    const [x, y] = await pair();
    const ddl = `CREATE TABLE keyauth_credentials (id uuid PRIMARY KEY, key text UNIQUE, ttl timestamptz);
      INSERT INTO keyauth_credentials SELECT md5('k' || g)::uuid, 'key-' || g,
        CASE WHEN g <= 10 THEN timestamptz '2001-01-01' WHEN g <= 20 THEN timestamptz '2100-01-01' END
        FROM generate_series(1, 100) g;`;
    await query(x.url, ddl);
    await query(y.url, ddl);
    // Kong's expiry already ran on Y (every 60 s in 2.8, triggers in 3.x): the expired keys are gone there.
    await query(y.url, 'DELETE FROM keyauth_credentials WHERE ttl < now()');
    const equal = await checkConsistency({ xUrl: x.url, yUrl: y.url });
    expect(equal.tables[0]).toMatchObject({
      table: 'public.keyauth_credentials',
      equal: true,
      xRows: 90,
      liveRowsOnly: true,
    });
    // A live key that differs still does.
    await query(y.url, "UPDATE keyauth_credentials SET key = 'changed' WHERE key = 'key-15'");
    const changed = await checkConsistency({ xUrl: x.url, yUrl: y.url });
    expect(changed.tables[0]).toMatchObject({ equal: false, differenceCount: 1 });
  });

  it("after Y's migrations: names the columns that changed; a key-auth disabled on Y is not explained by any migration", async () => {
    const [x, y] = await pair();
    const ddl = `CREATE TABLE plugins (id uuid PRIMARY KEY, name text, config jsonb, enabled boolean);
      INSERT INTO plugins VALUES
        ('00000000-0000-4000-8000-000000000001', 'rate-limiting', '{"minute": 5, "redis_host": "r"}', true),
        ('00000000-0000-4000-8000-000000000002', 'key-auth', '{"key_names": ["apikey"]}', true);`;
    await query(x.url, ddl);
    await query(y.url, ddl);
    await query(
      y.url,
      `UPDATE plugins SET config = '{"minute": 5, "redis": {"host": "r"}}' WHERE name = 'rate-limiting';
       UPDATE plugins SET enabled = false WHERE name = 'key-auth';`,
    );
    const report = await checkConsistency({ xUrl: x.url, yUrl: y.url, compare: 'keys' });
    expect(report.tables[0]).toMatchObject({ changedCount: 2, changedColumns: ['config', 'enabled'] });
    const [judged] = judgeMigratedChanges(
      report.tables.map((t) => ({
        table: t.table,
        changedCount: t.changedCount ?? 0,
        changedColumns: t.changedColumns ?? [],
      })),
      '3.4.2',
      '3.9.1',
    );
    expect(judged?.explained.map((e) => e.column)).toEqual(['config']);
    expect(judged?.unexplained).toEqual(['enabled']);
  });
});
