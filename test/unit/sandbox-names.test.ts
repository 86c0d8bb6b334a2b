import { describe, expect, it } from 'vitest';
import { databaseUrlFor, sandboxNames } from '../../src/sandbox/sandbox-names.js';

describe('sandboxNames', () => {
  it('uses fixed names by default, never the production bot database', () => {
    expect(sandboxNames(undefined, '/tmp')).toEqual({
      xDatabase: 'kong_sandbox_x',
      yDatabase: 'kong_sandbox_y',
      botDatabase: 'kong_upgrade_sandbox',
      queuePrefix: 'kong-sandbox',
      workDir: '/tmp/kong-upgrade-sandbox',
    });
  });

  it('suffixes every name with a given sandbox name', () => {
    const names = sandboxNames('t1', '/var/tmp');
    expect(names.xDatabase).toBe('kong_sandbox_x_t1');
    expect(names.botDatabase).toBe('kong_upgrade_sandbox_t1');
    expect(names.queuePrefix).toBe('kong-sandbox-t1');
    expect(names.workDir).toBe('/var/tmp/kong-upgrade-sandbox-t1');
  });

  it.each(['', 'Upper', 'has-dash', 'a b', 'x'.repeat(25), 'semi;colon'])('refuses the name %j', (bad) => {
    expect(() => sandboxNames(bad)).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }));
  });
});

describe('databaseUrlFor', () => {
  it('keeps server and login, replaces the database', () => {
    expect(databaseUrlFor('postgres://u:p%40ss@db:6543/kong_upgrade?sslmode=require', 'kong_sandbox_x')).toBe(
      'postgres://u:p%40ss@db:6543/kong_sandbox_x?sslmode=require',
    );
  });
});
