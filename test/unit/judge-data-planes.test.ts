import { describe, expect, it } from 'vitest';
import {
  type DataPlane,
  judgeDataPlanes,
  requiredDataPlanes,
  versionProblem,
} from '../../src/domain/judge-data-planes.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const nowS = NOW.getTime() / 1000;
const HASH = 'a'.repeat(32);
const OTHER = 'b'.repeat(32);

function dp(n: number, o: Partial<DataPlane> = {}): DataPlane {
  return {
    id: `00000000-0000-4000-8000-00000000000${n}`,
    hostname: `dp-${n}`,
    ip: `10.0.0.${n}`,
    version: '3.9.1',
    syncStatus: 'normal',
    configHash: HASH,
    lastSeen: nowS - 5,
    ...o,
  };
}

const CP = { version: '3.9.1' };

describe('judgeDataPlanes', () => {
  it.each<[string, DataPlane[], number, string[]]>([
    ['two healthy DPs on one hash', [dp(1), dp(2)], 2, []],
    [
      'one plugin_set_incompatible',
      [dp(1), dp(2, { syncStatus: 'plugin_set_incompatible' })],
      2,
      ['dp-2 (10.0.0.2): sync_status plugin_set_incompatible'],
    ],
    [
      'a stale config_hash on one of three',
      [dp(1), dp(2), dp(3, { configHash: OTHER })],
      3,
      [`dp-3 (10.0.0.3): config_hash bbbbbbbbbbbb… differs from the other data planes' aaaaaaaaaaaa…`],
    ],
    [
      'two DPs disagreeing on the hash: both named',
      [dp(1), dp(2, { configHash: OTHER })],
      2,
      [
        'dp-1 (10.0.0.1): config_hash aaaaaaaaaaaa… (the data planes disagree on their configuration)',
        'dp-2 (10.0.0.2): config_hash bbbbbbbbbbbb… (the data planes disagree on their configuration)',
      ],
    ],
    [
      'a DP newer than the CP',
      [dp(1), dp(2, { version: '3.10.0' })],
      2,
      ["dp-2 (10.0.0.2): runs 3.10.0, newer than the control plane's 3.9.1"],
    ],
    [
      'a DP of another major',
      [dp(1, { version: '2.8.4' })],
      1,
      ["dp-1 (10.0.0.1): runs 2.8.4, another major version than the control plane's 3.9.1"],
    ],
    ['an older minor is compatible', [dp(1, { version: '3.4.2' })], 1, []],
    ['too few DPs', [dp(1)], 2, ['only 1 of the required 2 data planes seen in the last 60 s']],
    [
      'a DP not seen for 5 minutes does not count, and is named',
      [dp(1), dp(2, { lastSeen: nowS - 300, syncStatus: 'unknown' })],
      2,
      [
        'only 1 of the required 2 data planes seen in the last 60 s; not seen recently: dp-2 (10.0.0.2) last seen 5 min ago',
      ],
    ],
    [
      'an old DP row is ignored when enough are connected',
      [dp(1), dp(2), dp(3, { lastSeen: nowS - 86_400, configHash: OTHER })],
      2,
      [],
    ],
    [
      'no configuration loaded',
      [dp(1, { configHash: '0'.repeat(32) })],
      1,
      ['dp-1 (10.0.0.1): has no configuration loaded (empty config_hash)'],
    ],
    [
      'several problems on one DP in one line',
      [
        dp(1),
        dp(2, { syncStatus: 'kong_version_incompatible', version: '3.10.0', configHash: OTHER }),
        dp(3),
      ],
      3,
      [
        "dp-2 (10.0.0.2): sync_status kong_version_incompatible; runs 3.10.0, newer than the control plane's 3.9.1; config_hash bbbbbbbbbbbb… differs from the other data planes' aaaaaaaaaaaa…",
      ],
    ],
    ['no DPs at all', [], 1, ['only 0 of the required 1 data plane seen in the last 60 s']],
  ])('%s', (_name, planes, min, problems) => {
    const j = judgeDataPlanes(CP, planes, NOW, min);
    expect(j.problems).toEqual(problems);
    expect(j.ready).toBe(problems.length === 0);
  });

  it('a DP seen exactly 60 s ago still counts; 61 s does not', () => {
    expect(judgeDataPlanes(CP, [dp(1, { lastSeen: nowS - 60 })], NOW, 1).ready).toBe(true);
    expect(judgeDataPlanes(CP, [dp(1, { lastSeen: nowS - 61 })], NOW, 1).ready).toBe(false);
  });

  it('versions: same major, DP minor at most the CP minor; Enterprise suffixes read', () => {
    expect(versionProblem('3.9.1', '3.9.0')).toBeUndefined();
    expect(versionProblem('3.4.3.12-enterprise-edition', '3.4.1.1-enterprise-edition')).toBeUndefined();
    expect(versionProblem('3.4.3', '3.5.0')).toMatch(/newer/);
    expect(versionProblem('3.9.1', 'garbage')).toMatch(/no readable version/);
  });

  it('minDataPlanes defaults to the number of metrics URLs, at least 1', () => {
    expect(requiredDataPlanes(undefined, 0)).toBe(1);
    expect(requiredDataPlanes(undefined, 1)).toBe(1);
    expect(requiredDataPlanes(undefined, 3)).toBe(3);
    expect(requiredDataPlanes(2, 3)).toBe(2);
  });
});
