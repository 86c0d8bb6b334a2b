import { describe, expect, it } from 'vitest';
import { type BenchEntry, selectBenchmarks } from '../../bench/support/select-benchmarks.js';

const entry = (name: string, aliases?: string[]): BenchEntry<string> => ({
  name,
  about: `${name} bench`,
  run: async () => name,
  ...(aliases ? { aliases } : {}),
});
const ALL = [
  entry('ack'),
  entry('detect-statistics', ['detect']),
  entry('backup+restore', ['backup-restore']),
  entry('verify'),
];

describe('selectBenchmarks', () => {
  it('runs everything, in the registry order, when no name is given', () => {
    expect(selectBenchmarks(ALL, []).map((e) => e.name)).toEqual([
      'ack',
      'detect-statistics',
      'backup+restore',
      'verify',
    ]);
  });

  it('runs the named ones in the order given, by name or alias, case-insensitively, each once', () => {
    const picked = selectBenchmarks(ALL, ['verify', 'ACK', 'detect', 'detect-statistics']);
    expect(picked.map((e) => e.name)).toEqual(['verify', 'ack', 'detect-statistics']);
    expect(selectBenchmarks(ALL, ['backup-restore']).map((e) => e.name)).toEqual(['backup+restore']);
  });

  it('refuses unknown names, listing them and the known ones, rather than running nothing', () => {
    expect(() => selectBenchmarks(ALL, ['ack', 'akc', 'verfy'])).toThrow(
      'Unknown benchmark "akc", "verfy". Known: ack, detect-statistics | detect, backup+restore | backup-restore, verify.',
    );
  });

  it('does not mutate the registry', () => {
    const all = [...ALL];
    selectBenchmarks(all, []).pop();
    expect(all).toHaveLength(4);
  });
});
