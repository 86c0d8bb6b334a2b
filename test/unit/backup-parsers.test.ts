import { describe, expect, it } from 'vitest';
import {
  boundariesSql,
  bucketChecksumsSql,
  formatKey,
  rangeChecksumSql,
  rangeWhere,
  type TableShape,
} from '../../src/backup/chunk-sql.js';
import { parseArchiveList } from '../../src/backup/parse-archive-list.js';
import { createProgressTracker, parsePgProgressLine } from '../../src/backup/parse-pg-progress.js';
import { pgToolConnection } from '../../src/backup/pg-tool-connection.js';
import { parsePgToolVersion } from '../../src/backup/pg-tool-version.js';

describe('parsePgProgressLine', () => {
  it('reads the table from pg_dump and pg_restore --verbose lines', () => {
    expect(parsePgProgressLine('pg_dump: dumping contents of table "public.routes"')).toBe('public.routes');
    expect(parsePgProgressLine('pg_restore: processing data for table "public.keyauth_credentials"')).toBe(
      'public.keyauth_credentials',
    );
    // Parallel workers can glue lines together.
    expect(parsePgProgressLine('pg_restore:pg_restore:  processing data for table "extra.notes"')).toBe(
      'extra.notes',
    );
  });
  it('ignores every other line', () => {
    for (const line of [
      'pg_dump: reading extensions',
      'pg_dump: finished item 3353 TABLE DATA b',
      'pg_restore: creating TABLE "public.a"',
      '',
    ]) {
      expect(parsePgProgressLine(line)).toBeNull();
    }
  });
  it('counts each table once and never past the total', () => {
    const seen: number[] = [];
    const tracker = createProgressTracker(2, (p) => seen.push(p.done));
    tracker.line('pg_dump: dumping contents of table "public.a"');
    tracker.line('pg_dump: dumping contents of table "public.a"');
    tracker.line('pg_dump: dumping contents of table "public.b"');
    tracker.line('pg_dump: dumping contents of table "public.c"');
    expect(seen).toEqual([1, 2, 2]);
    expect(tracker.done).toBe(2);
  });
});

describe('parseArchiveList', () => {
  it('finds the schemas created and the TABLE DATA entries', () => {
    const text = [
      ';',
      '; Archive created at 2026-11-26 06:40:01 UTC',
      ';     dbname: probe1',
      '6; 2615 16401 SCHEMA - s2 postgres',
      '215; 1259 16388 TABLE public a postgres',
      '3352; 0 16388 TABLE DATA public a postgres',
      '3353; 0 16395 TABLE DATA public b postgres',
      '3207; 2606 16394 CONSTRAINT public a a_pkey postgres',
    ].join('\n');
    expect(parseArchiveList(text)).toEqual({ schemas: ['s2'], tableData: 2 });
    expect(parseArchiveList('')).toEqual({ schemas: [], tableData: 0 });
  });

  it('reads a schema name with spaces (the owner is the last word)', () => {
    const text = ['6; 2615 16401 SCHEMA - kong data postgres', '7; 2615 16402 SCHEMA - s3 kong'].join('\n');
    expect(parseArchiveList(text).schemas).toEqual(['kong data', 's3']);
  });
});

describe('parsePgToolVersion', () => {
  it('parses real version lines and rejects others', () => {
    expect(parsePgToolVersion('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n')).toMatchObject({
      major: 15,
      minor: 20,
    });
    expect(parsePgToolVersion('pg_restore (PostgreSQL) 17beta1')).toMatchObject({ major: 17, minor: 0 });
    expect(parsePgToolVersion('bash: pg_dump: command not found')).toBeNull();
  });
});

describe('pgToolConnection', () => {
  it('moves the password into PGPASSWORD and keeps it out of argv', () => {
    const c = pgToolConnection('postgres://kong:s%40cret@db-x:5433/kong?sslmode=require');
    expect(c.env).toEqual({ PGPASSWORD: 's@cret' });
    expect(c.dbnameArg).toBe('--dbname=postgres://kong@db-x:5433/kong?sslmode=require');
    expect(c.dbnameArg).not.toContain('cret');
    expect(c.database).toBe('kong');
    expect(pgToolConnection('postgres://u@h/db?password=pw').env).toEqual({ PGPASSWORD: 'pw' });
    expect(pgToolConnection('postgres://u@h/db').env).toEqual({});
  });
  it('rejects what is not a postgres URL, without echoing it', () => {
    expect(() => pgToolConnection('not a url p4ss')).toThrow(/cannot be parsed/);
    expect(() => pgToolConnection('mysql://u:pw@h/db')).toThrow(/not a postgres/);
    expect(() => pgToolConnection('mysql://u:pw@h/db')).not.toThrow(/pw@/);
  });
});

describe('chunk SQL', () => {
  const shape: TableShape = {
    schema: 'public',
    name: 'ratelimiting_metrics',
    columns: ['identifier', 'period', 'value'],
    primaryKey: ['identifier', 'period'],
    keyTypes: ['text', 'text'],
    keyCollatable: [true, true],
  };
  it('binds range bounds as typed parameters, with row comparison for composite keys', () => {
    const w = rangeWhere(shape, { from: ['a', 'hour'], before: ['m', 'minute'] }, false);
    expect(w.sql).toBe(
      '("identifier", "period") >= ($1::text, $2::text) AND ("identifier", "period") < ($3::text, $4::text)',
    );
    expect(w.params).toEqual(['a', 'hour', 'm', 'minute']);
    expect(rangeWhere(shape, {}, false)).toEqual({ sql: 'TRUE', params: [] });
  });
  it('orders text keys bytewise when the two sides have different collations', () => {
    const w = rangeWhere(shape, { from: ['a', 'b'] }, true);
    expect(w.sql).toContain('"identifier" COLLATE "C"');
  });
  it('quotes identifiers and numbers parameters after the step', () => {
    const odd: TableShape = {
      ...shape,
      name: 'we"ird',
      primaryKey: ['id'],
      keyTypes: ['uuid'],
      keyCollatable: [false],
    };
    expect(rangeChecksumSql(odd, {}, false).sql).toContain('"public"."we""ird"');
    const b = boundariesSql(odd, { from: ['x'] }, false, 500);
    expect(b.params).toEqual(['500', 'x']);
    expect(b.sql).toContain('"id" >= $2::uuid');
  });
  it('hashes columns by value, or by their text form when their type has no stable hash', () => {
    const mixed: TableShape = { ...shape, hashable: [true, false, true] };
    expect(rangeChecksumSql(mixed, {}, false).sql).toContain(
      'hash_record_extended(ROW("identifier", "period"::text, "value"), 0)',
    );
    const single: TableShape = {
      ...shape,
      primaryKey: ['identifier'],
      keyTypes: ['text'],
      keyCollatable: [true],
    };
    expect(bucketChecksumsSql(single, false)).toContain('width_bucket("identifier", $1::text[])');
    expect(bucketChecksumsSql(single, true)).toContain('COLLATE "C"');
  });
  it('formats keys for people', () => {
    expect(formatKey({ ...shape, primaryKey: ['id'] }, ['42'])).toBe('42');
    expect(formatKey(shape, ['consumer-1', 'hour'])).toBe('identifier=consumer-1, period=hour');
  });
});
