import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/support/bench-result.js';
import {
  baselineOf,
  formatBenchTable,
  measuredOf,
  missReasons,
} from '../../bench/support/format-bench-table.js';

const ack: BenchResult = {
  name: 'ack',
  ratio: 1.12,
  target: 'p99 ≤ 1.3× bare Bolt, and < 100 ms',
  ok: true,
  measured: 'p99 12.5 ms',
  baseline: 'p99 11.2 ms',
  details: {},
};
const verify: BenchResult = {
  name: 'verify',
  ratio: 1.9,
  target: '≤ 1.5×',
  ok: false,
  details: { rows: 1_000_000, oursMs: 1900, copyBaselineMs: 1000 },
};
const crashed: BenchResult = {
  name: 'backup+restore',
  ratio: Number.NaN,
  target: '—',
  ok: false,
  details: { error: 'pg_dump exited 1: connection refused' },
};

describe('formatBenchTable', () => {
  it('prints a header, a rule and one aligned row per benchmark with every column', () => {
    const lines = formatBenchTable([ack, verify, crashed]).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^benchmark\s+measured\s+baseline\s+ratio\s+target\s+ok$/);
    expect(lines[1]).toMatch(/^-+( +-+){5}$/);
    expect(lines[2]).toMatch(
      /^ack\s+p99 12\.5 ms\s+p99 11\.2 ms\s+1\.12×\s+p99 ≤ 1\.3× bare Bolt, and < 100 ms\s+yes$/,
    );
    expect(lines[3]).toMatch(/^verify\s+1900 ms\s+1000 ms\s+1\.9×\s+≤ 1\.5×\s+NO$/);
    expect(lines[4]).toMatch(/^backup\+restore\s+—\s+—\s+—\s+—\s+NO$/);
    // Columns line up: every row's "ratio" column starts where the header's does.
    const at = lines[0]?.indexOf('ratio');
    expect(lines[2]?.indexOf('1.12×')).toBe(at);
    expect(lines[3]?.indexOf('1.9×')).toBe(at);
  });

  it('falls back to oursMs / *baselineMs details when a bench sets no measured/baseline text', () => {
    expect(measuredOf(verify)).toBe('1900 ms');
    expect(baselineOf(verify)).toBe('1000 ms');
    expect(measuredOf({ ...verify, details: {} })).toBe('—');
    expect(baselineOf({ ...verify, details: { baselineMs: '12' } })).toBe('—');
  });
});

describe('missReasons', () => {
  it('is empty when every target is met', () => {
    expect(missReasons([ack])).toEqual([]);
  });

  it('names each miss with measured, baseline and ratio, and a crash with its error', () => {
    const reasons = missReasons([
      ack,
      verify,
      crashed,
      { ...ack, ok: false, details: { why: 'bot p99 120 ms ≥ 100 ms' } },
    ]);
    expect(reasons).toEqual([
      'verify: missed its target "≤ 1.5×": measured 1900 ms vs baseline 1000 ms, ratio 1.9×',
      'backup+restore: did not complete: pg_dump exited 1: connection refused',
      'ack: missed its target "p99 ≤ 1.3× bare Bolt, and < 100 ms": measured p99 12.5 ms vs baseline p99 11.2 ms, ratio 1.12× (bot p99 120 ms ≥ 100 ms)',
    ]);
  });
});
