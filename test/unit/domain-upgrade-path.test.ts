import { describe, expect, it } from 'vitest';
import { type KongLine, type UpgradePathKind, upgradePath } from '../../src/domain/upgrade-path.js';
import { tryParseKongVersion } from '../../src/kong/compare-versions.js';
import { upgradePathCheck } from '../../src/kong/upgrade-path-check.js';

const line = (v: string): KongLine => {
  const [major = 0, minor = 0] = v.split('.').map(Number);
  return [major, minor];
};

describe('upgradePath (Kong guaranteed paths)', () => {
  it.each<[string, string, UpgradePathKind, string[]]>([
    ['2.8', '3.4', 'lts-to-lts', ['2.8', '3.4']],
    ['3.4', '3.10', 'lts-to-lts', ['3.4', '3.10']],
    ['3.10', '3.14', 'lts-to-lts', ['3.10', '3.14']],
    ['3.10', '3.15', 'not-guaranteed', ['3.10', '3.14', '3.15']],
    ['2.8', '3.10', 'not-guaranteed', ['2.8', '3.4', '3.10']],
    ['2.8', '3.15', 'not-guaranteed', ['2.8', '3.4', '3.10', '3.14', '3.15']],
    ['2.8', '3.0', 'adjacent-minor', ['2.8', '3.0']],
    ['3.14', '3.15', 'adjacent-minor', ['3.14', '3.15']],
    ['3.9', '3.10', 'adjacent-minor', ['3.9', '3.10']],
    ['3.10', '3.10', 'patch', ['3.10']],
    ['3.11', '3.13', 'not-guaranteed', ['3.11', '3.12', '3.13']],
    ['3.4', '3.9', 'not-guaranteed', ['3.4', '3.5', '3.6', '3.7', '3.8', '3.9']],
    ['3.0', '3.10', 'not-guaranteed', ['3.0', '3.1', '3.2', '3.3', '3.4', '3.10']],
    ['3.12', '3.14', 'not-guaranteed', ['3.12', '3.13', '3.14']],
    ['2.0', '3.4', 'unsupported-source', []],
    ['1.5', '2.8', 'not-guaranteed', ['1.5', '2.0', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '2.7', '2.8']],
  ])('%s → %s is %s via %j', (from, to, kind, hops) => {
    const verdict = upgradePath(line(from), line(to));
    expect(verdict.kind).toBe(kind);
    expect(verdict.guaranteed).toBe(['patch', 'adjacent-minor', 'lts-to-lts'].includes(kind));
    expect(verdict.hops).toEqual(hops);
    expect(verdict.beyondKnownLines).toBe(false);
  });

  it('knows 3.15 as the newest line: a later one is flagged, 3.15 → 3.16 still counts as adjacent', () => {
    expect(upgradePath([3, 15], [3, 16])).toMatchObject({ kind: 'adjacent-minor', beyondKnownLines: true });
    expect(upgradePath([3, 14], [3, 18])).toMatchObject({
      kind: 'not-guaranteed',
      hops: ['3.14', '3.15', '3.16', '3.17', '3.18'],
    });
  });
});

describe('upgradePathCheck (the preflight line)', () => {
  const run = (x: string, y: string) => upgradePathCheck(tryParseKongVersion(x), tryParseKongVersion(y));

  it('passes Enterprise LTS to LTS: 3.4.3.12-enterprise-edition → 3.10.0.1', () => {
    const check = run('3.4.3.12-enterprise-edition', '3.10.0.1');
    expect(check?.status).toBe('pass');
    expect(check?.detail).toContain('3.4 → 3.10 is an upgrade path Kong guarantees (LTS to the next LTS)');
  });

  it('explains 2.8 → 3.10 as a warning naming the LTS hops, never a failure', () => {
    const check = run('2.8.4', '3.10.0.17');
    expect(check?.status).toBe('warn');
    expect(check?.detail).toContain('2.8 → 3.10 is not one of');
    expect(check?.detail).toContain('The hops Kong guarantees are 2.8 → 3.4 → 3.10');
    expect(check?.items).toEqual(['hop 1: 2.8 → 3.4', 'hop 2: 3.4 → 3.10']);
    expect(check?.remedy).toMatch(/one run per hop/);
  });

  it('warns 3.10 → 3.15 via 3.14; fails only an X older than 2.1 going to 3.x', () => {
    expect(run('3.10.0.3', '3.15.0.4')?.items).toEqual(['hop 1: 3.10 → 3.14', 'hop 2: 3.14 → 3.15']);
    expect(run('2.0.5', '3.4.0')?.status).toBe('fail');
    expect(run('3.4.2', '3.4.3')?.status).toBe('pass');
    expect(run('not-a-version', '3.4.3')).toBeUndefined();
  });
});
