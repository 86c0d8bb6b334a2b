import { describe, expect, it } from 'vitest';
import type { ConsistencyReport, TableConsistency } from '../../src/backup/consistency-report.js';
import { formatBytes } from '../../src/backup/format-bytes.js';
import {
  describeTableDifference,
  formatConsistencyReport,
} from '../../src/backup/format-consistency-report.js';
import { sameManifestFiles } from '../../src/backup/same-manifest-files.js';

function table(overrides: Partial<TableConsistency>): TableConsistency {
  return {
    table: 'public.services',
    xRows: 10,
    yRows: 10,
    equal: true,
    method: 'primary-key',
    differences: [],
    differenceCount: 0,
    ignoredColumns: [],
    ...overrides,
  };
}

function report(tables: TableConsistency[]): ConsistencyReport {
  return { equal: tables.every((t) => t.equal), tables, startedAt: 't0', finishedAt: 't1' };
}

describe('formatConsistencyReport', () => {
  it('says all tables are equal with the row total', () => {
    const text = formatConsistencyReport(
      report([table({}), table({ table: 'public.routes', xRows: 1234, yRows: 1234 })]),
    );
    expect(text).toBe(
      '*Consistency X vs Y:* ✅ all 2 tables are equal (1,244 rows in X, compared by row count and content checksum).',
    );
  });

  it('lists each differing table with its counts, kinds and keys, capped with a remainder', () => {
    const routes = table({
      table: 'public.routes',
      xRows: 5,
      yRows: 6,
      equal: false,
      differences: [
        { key: 'a1', kind: 'changed' },
        { key: 'b`2', kind: 'missing_in_y' },
        { key: 'c3', kind: 'extra_in_y' },
      ],
      differenceCount: 5,
    });
    const text = formatConsistencyReport(report([table({}), routes]), 2);
    expect(text.split('\n')).toEqual([
      '*Consistency X vs Y:* ❌ 1 of 2 tables differ (1 equal; 15 rows in X).',
      '• `public.routes` (X 5 rows, Y 6 rows): 1 changed, 1 missing in Y, 1 only in Y, 2 more not listed',
      '    – key `a1` changed',
      "    – key `b'2` missing in Y",
      '    – …and 3 more',
    ]);
  });

  it('explains missing tables, keyless tables and one-sided columns', () => {
    const text = formatConsistencyReport(
      report([
        table({
          table: 'public.gone',
          equal: false,
          method: 'missing',
          yRows: 0,
          differenceCount: 10,
          note: 'The table does not exist in Y.',
        }),
        table({ table: 'public.counters', method: 'whole-table', note: 'no key' }),
        table({ table: 'public.routes', ignoredColumns: ['y:priority'] }),
      ]),
    );
    expect(text).toContain('• `public.gone`: The table does not exist in Y. (X 10 rows, Y 0 rows)');
    expect(text).toContain('_Columns on one side only, not compared: public.routes (y:priority)._');
    expect(text).toContain('compared by count and whole-table checksum only: public.counters._');
  });

  it('after migrations: identity verdict, changed rows and one-sided tables as information, bookkeeping left out', () => {
    const text = formatConsistencyReport({
      ...report([
        table({
          table: 'public.plugins',
          xRows: 7,
          yRows: 7,
          changedCount: 3,
          changedKeys: ['p1', 'p`2', 'p3'],
        }),
        table({ table: 'public.routes', xRows: 4, yRows: 4, changedCount: 1, changedKeys: ['r1'] }),
        table({ table: 'public.counters', method: 'whole-table', changedCount: 1, changedKeys: [] }),
        table({ table: 'public.services', changedCount: 0, changedKeys: [] }),
        table({
          table: 'public.clustering_sync_version',
          method: 'missing',
          xRows: 0,
          yRows: 1,
          onlyIn: 'y',
        }),
        table({ table: 'public.ttls', method: 'missing', xRows: 2, yRows: 0, onlyIn: 'x' }),
        table({ table: 'public.sm_vaults', method: 'missing', xRows: 0, yRows: 0, onlyIn: 'y' }),
      ]),
      compare: 'keys',
      excluded: ['public.locks', 'public.schema_meta'],
    });
    expect(text.split('\n')).toEqual([
      "*Consistency X vs Y:* ✅ all 4 tables hold the same rows (31 rows in X; Y's schema was migrated, so rows were compared by primary key and count, not content).",
      "ℹ️ Differ after Y's migrations ran: 3 rows in `public.plugins` (keys `p1`, `p'2`, `p3`).",
      "ℹ️ Differ after Y's migrations ran: 1 row in `public.routes` (keys `r1`).",
      "ℹ️ Differs after Y's migrations ran: the contents of `public.counters` (no primary key to name rows).",
      "ℹ️ New in Y's schema: `public.clustering_sync_version` (1 row), `public.sm_vaults` (0 rows).",
      "ℹ️ Not in Y's schema (dropped by its migrations): `public.ttls` (2 rows in X).",
      "_Not compared, Kong's own bookkeeping (migrations and running nodes rewrite it): public.locks, public.schema_meta._",
      '_Without a primary key, compared by row count only: public.counters._',
    ]);
  });

  it('after migrations: a lost row still fails, with the sample of changed keys marked as more', () => {
    const text = formatConsistencyReport({
      ...report([
        table({
          table: 'public.keyauth_credentials',
          yRows: 9,
          equal: false,
          differences: [{ key: 'k9', kind: 'missing_in_y' }],
          differenceCount: 1,
          changedCount: 5,
          changedKeys: ['a', 'b', 'c', 'd'],
        }),
        table({}),
      ]),
      compare: 'keys',
    });
    expect(text.split('\n')).toEqual([
      "*Consistency X vs Y:* ❌ 1 of 2 tables differ (1 equal; 20 rows in X; compared by primary key and count since Y's schema was migrated).",
      '• `public.keyauth_credentials` (X 10 rows, Y 9 rows): 1 missing in Y',
      '    – key `k9` missing in Y',
      "ℹ️ Differ after Y's migrations ran: 5 rows in `public.keyauth_credentials` (keys `a`, `b`, `c`, …).",
    ]);
  });

  it('warns when neither side has a table', () => {
    expect(formatConsistencyReport(report([]))).toContain('neither database has any table');
  });
});

describe('describeTableDifference', () => {
  it('names the table and its first keys', () => {
    const t = table({
      table: 'public.routes',
      equal: false,
      differences: [
        { key: 'k1', kind: 'changed' },
        { key: 'k2', kind: 'changed' },
      ],
      differenceCount: 4,
    });
    expect(describeTableDifference(t, 1)).toBe('public.routes (key k1 changed, 3 more)');
  });

  it('falls back to row counts when no row can be named', () => {
    const t = table({
      table: 'public.t',
      equal: false,
      method: 'whole-table',
      xRows: 3,
      yRows: 4,
      differenceCount: 1,
    });
    expect(describeTableDifference(t)).toBe(
      'public.t (X 3 rows, Y 4 rows, contents differ; no primary key to name rows)',
    );
  });
});

describe('formatBytes and sameManifestFiles', () => {
  it('formats sizes in binary units', () => {
    expect([0, 812, 1024, 1536, 5 * 1024 ** 2, 1.25 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '812 B',
      '1 KB',
      '1.5 KB',
      '5 MB',
      '1.3 GB',
    ]);
    expect(formatBytes(-1)).toBe('n/a');
    expect(formatBytes(Number.NaN)).toBe('n/a');
  });

  it('compares file maps whatever their key order', () => {
    expect(sameManifestFiles({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameManifestFiles({ a: '1', b: '2' }, { a: '1', b: '3' })).toBe(false);
    expect(sameManifestFiles({ a: '1' }, { a: '1', b: '2' })).toBe(false);
    expect(sameManifestFiles({ a: '1', b: '2' }, { a: '1' })).toBe(false);
  });
});
