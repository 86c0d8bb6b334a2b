import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import {
  compareVersions,
  major,
  parseKongVersion,
  sameVersion,
  tryParseKongVersion,
} from '../../src/kong/compare-versions.js';

describe('parseKongVersion', () => {
  it.each([
    ['3.9.1', [3, 9, 1, 0], false, undefined],
    ['2.8.4.1', [2, 8, 4, 1], false, undefined],
    ['3.4.3.12', [3, 4, 3, 12], false, undefined],
    ['3.10.0.0-enterprise-edition', [3, 10, 0, 0], true, undefined],
    ['2.8.0.0-enterprise-edition', [2, 8, 0, 0], true, undefined],
    ['3.10.0-dev', [3, 10, 0, 0], false, 'dev'],
    ['3.0.0-rc.1', [3, 0, 0, 0], false, 'rc.1'],
    ['3.9', [3, 9, 0, 0], false, undefined],
    [' 3.9.0 ', [3, 9, 0, 0], false, undefined],
  ])('%s', (text, parts, enterprise, prerelease) => {
    const v = parseKongVersion(text);
    expect(v.parts).toEqual(parts);
    expect(v.enterprise).toBe(enterprise);
    expect(v.prerelease).toBe(prerelease);
  });

  it.each(['', '3', 'kong', '3.x.1', '3.9.1.2.3', '3.9.1 beta', '-3.9.1', '99999999999999999999.1'])(
    'rejects %j',
    (text) => {
      expect(tryParseKongVersion(text)).toBeUndefined();
      expect(() => parseKongVersion(text)).toThrow(AppError);
      try {
        parseKongVersion(text);
      } catch (e) {
        expect((e as AppError).code).toBe('E_INVALID_INPUT');
      }
    },
  );
});

describe('compareVersions', () => {
  it.each([
    ['2.8.4.1', '3.9.1', -1],
    ['3.9.1', '2.8.4.1', 1],
    ['3.9.0', '3.10.0', -1], // numeric, not lexical
    ['3.4.3', '3.4.3.0', 0],
    ['3.4.3.12', '3.4.3.2', 1],
    ['3.4.3', '3.4.3.1', -1],
    ['3.10.0.0-enterprise-edition', '3.10.0', 0],
    ['3.10.0-dev', '3.10.0', -1],
    ['3.10.0', '3.10.0-dev', 1],
    ['3.0.0-alpha.1', '3.0.0-rc.1', -1],
    ['2.8.4.1-enterprise-edition', '2.8.4', 1],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  it('throws on garbage', () => {
    expect(() => compareVersions('3.9.1', 'latest')).toThrow(/not a Kong version/);
  });
});

describe('major / sameVersion', () => {
  it('reads the major', () => {
    expect(major('2.8.4.1')).toBe(2);
    expect(major('3.10.0.0-enterprise-edition')).toBe(3);
    expect(major(parseKongVersion('4.0.0'))).toBe(4);
  });
  it('treats the edition suffix and a missing build number as the same version', () => {
    expect(sameVersion('3.9.1', '3.9.1.0-enterprise-edition')).toBe(true);
    expect(sameVersion('3.9.1', '3.9.2')).toBe(false);
  });
});
