import { describe, expect, it } from 'vitest';
import { kongVersionAtLeast } from '../../src/sandbox/kong-node/kong-version.js';

describe('kongVersionAtLeast (simulated node)', () => {
  it.each([
    ['3.9.1', '3.0.0', true],
    ['3.0.0', '3.0.0', true],
    ['2.8.4', '3.0.0', false],
    ['3.4', '3.4.0', true],
    ['3.10.0', '3.9.0', true],
    ['3.4.1.1-enterprise-edition', '3.4.1', true],
    ['3.6.0', '3.7.0', false],
    ['3.0.0-rc.1', '3.0.0', false],
  ])('%s at least %s: %s', (version, minimum, expected) => {
    expect(kongVersionAtLeast(version, minimum)).toBe(expected);
  });

  it('treats an unparsable version as the newest', () => {
    expect(kongVersionAtLeast('latest', '3.9.0')).toBe(true);
    expect(kongVersionAtLeast('3.9.0', 'not-a-version')).toBe(true);
  });
});
