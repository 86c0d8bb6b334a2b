import { describe, expect, it } from 'vitest';
import { atcRegexFinding } from '../../src/kong/atc-regex.js';
import type { KongNodeInfo } from '../../src/kong/kong-admin.js';
import { pluginSettingCheck, pluginVersionsCheck } from '../../src/kong/plugin-versions-check.js';
import { adminPathSegments, workspaceNamesCheck } from '../../src/kong/workspace-names-check.js';

describe('atcRegexFinding (PCRE → Rust regex, reference §3)', () => {
  it.each([
    ['/a/(?=b)', 'rejects', 'look-ahead'],
    ['/a/(?!admin)', 'rejects', 'look-ahead'],
    ['/a/(?<=x)b', 'rejects', 'look-behind'],
    ['/a/(?<!x)b', 'rejects', 'look-behind'],
    ['/(\\w+)/\\1', 'rejects', 'backreferences'],
    ['/a\\0', 'rejects', 'backreferences'],
    ['/(?<n>\\w+)/\\k<n>', 'rejects', 'unrecognized escape'],
    ['/a\\Kb', 'rejects', 'unrecognized escape'],
    ['/a\\Z', 'rejects', 'unrecognized escape'],
    ['/\\Qa.b\\E', 'rejects', 'unrecognized escape'],
    ['/a/(?>b+)', 'rejects', 'unrecognized group'],
    ['/a(?#comment)', 'rejects', 'unrecognized group'],
    ['/a/(?(1)b|c)', 'rejects', 'unrecognized group'],
    ['/x/{id}', 'rejects', 'literal {'],
    ['/a[\\h]', 'rejects', 'unrecognized escape'],
    ['/a++', 'changes', 'possessive'],
    ['/a\\<b', 'changes', 'word boundary'],
  ])('%s %s (%s)', (regex, severity, reason) => {
    const finding = atcRegexFinding(regex);
    expect(finding?.severity).toBe(severity);
    expect(finding?.reason).toContain(reason);
  });

  it.each([
    '/orders/\\d+/items',
    '/(?P<id>\\d+)',
    '/(?<id>\\d+)',
    '/(?i)abc',
    '/(?i:abc)',
    '/a{2,3}/b{4}',
    '/\\A\\z\\b\\B\\d\\s\\w\\p{L}',
    '/[[:alpha:]]+',
    '/a\\/b\\-c\\.d',
    '/[(?=]x',
    '/[]{]',
  ])('%s is fine', (regex) => {
    expect(atcRegexFinding(regex)).toBeUndefined();
  });
});

function node(
  version: string,
  extra: Partial<KongNodeInfo['plugins']> = {},
  plugins?: string[],
): KongNodeInfo {
  return {
    version,
    hostname: 'h',
    nodeId: 'n',
    plugins: { availableOnServer: [], enabledInCluster: [], ...extra },
    configuration: plugins ? { plugins } : {},
  };
}

describe('plugin rules', () => {
  it("lists a plugin in use whose major differs on Y, not Kong's own plugins nor unused ones", () => {
    const x = node('3.10.0.3', {
      enabledInCluster: ['key-auth', 'my-auth', 'my-log'],
      versions: { 'key-auth': '3.10.0', 'my-auth': '1.4.0', 'my-log': '2.0.0', unused: '1.0.0' },
    });
    const y = node('3.14.0.1', {
      versions: { 'key-auth': '3.14.0', 'my-auth': '2.0.1', 'my-log': '2.3.0', unused: '3.0.0' },
    });
    const check = pluginVersionsCheck(x, y, []);
    expect(check.status).toBe('warn');
    expect(check.items).toEqual(['my-auth: 1.4.0 on X, 2.0.1 on Y']);
    expect(pluginVersionsCheck(x, x, []).status).toBe('pass');
  });

  it('compares the plugins setting of X and Y', () => {
    const same = pluginSettingCheck(
      node('3.10.0.3', {}, ['bundled', 'my-auth']),
      node('3.14.0.1', {}, ['bundled', 'my-auth']),
    );
    expect(same.status).toBe('pass');
    const differ = pluginSettingCheck(
      node('3.10.0.3', {}, ['bundled', 'my-auth']),
      node('3.14.0.1', {}, ['bundled', 'other']),
    );
    expect(differ.status).toBe('warn');
    expect(differ.items).toEqual(['my-auth: on X, not on Y', 'other: on Y only']);
    expect(pluginSettingCheck(node('3.10.0.3'), node('3.14.0.1', {}, ['bundled'])).status).toBe('pass');
  });
});

describe('workspace names (3.15)', () => {
  it("fails names that are Y's top-level Admin API paths; falls back to 3.15's list", () => {
    const segments = adminPathSegments([
      '/',
      '/services',
      '/services/{services}/routes',
      '/licenses',
      '/{workspace}/x',
    ]);
    expect(segments).toEqual(['licenses', 'services']);
    const check = workspaceNamesCheck(['default', 'licenses', 'team-a'], segments);
    expect(check.status).toBe('fail');
    expect(check.items).toEqual(['workspace licenses: collides with /licenses']);
    expect(workspaceNamesCheck(['default', 'vaults'], undefined).items).toEqual([
      'workspace vaults: collides with /vaults',
    ]);
    expect(workspaceNamesCheck(['default', 'team-a'], segments).status).toBe('pass');
    expect(workspaceNamesCheck(undefined, segments).status).toBe('pass');
  });
});
