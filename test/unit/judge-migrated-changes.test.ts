import { describe, expect, it } from 'vitest';
import { judgeMigratedChanges } from '../../src/domain/judge-migrated-changes.js';

describe('judgeMigratedChanges', () => {
  it.each<[string, string, string, string, string[], string[], string[]]>([
    ['2.8 → 3.4: regex paths rewritten', '2.8.4', '3.4.2', 'public.routes', ['paths'], ['paths'], []],
    ['3.4 → 3.9: paths were already migrated', '3.4.2', '3.9.1', 'public.routes', ['paths'], [], ['paths']],
    ['3.4 → 3.9: redis_* fields move', '3.4.2', '3.9.1', 'public.plugins', ['config'], ['config'], []],
    ['2.8 → 3.4: no redis move yet', '2.8.4', '3.4.2', 'public.plugins', ['config'], [], ['config']],
    [
      'a plugin disabled by hand on Y is a difference',
      '2.8.4',
      '3.9.1',
      'public.plugins',
      ['enabled', 'config'],
      ['config'],
      ['enabled'],
    ],
    ['services change nowhere in Kong migrations', '2.8.4', '3.9.1', 'kong.services', ['host'], [], ['host']],
    [
      '2.8 → 3.4: targets get their cache_key',
      '2.8.4',
      '3.4.2',
      'public.targets',
      ['cache_key'],
      ['cache_key'],
      [],
    ],
    // 016_280_to_300 sets targets' cache_key only: a plugin's changed cache_key is a real difference.
    [
      '2.8 → 3.9: plugins keep their cache_key',
      '2.8.4',
      '3.9.1',
      'public.plugins',
      ['cache_key'],
      [],
      ['cache_key'],
    ],
  ])('%s', (_n, from, to, table, columns, explained, unexplained) => {
    const [j] = judgeMigratedChanges([{ table, changedCount: 3, changedColumns: columns }], from, to);
    expect(j?.explained.map((e) => e.column)).toEqual(explained);
    expect(j?.unexplained).toEqual(unexplained);
  });

  it('explains with the migration that rewrote the column', () => {
    const [j] = judgeMigratedChanges(
      [{ table: 'public.routes', changedCount: 9, changedColumns: ['paths'] }],
      '2.8.4',
      '3.9.1',
    );
    expect(j?.explained[0]?.why).toMatch(/016_280_to_300.*`~`/);
  });
});
