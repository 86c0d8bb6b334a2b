import { describe, expect, it } from 'vitest';
import { deployChildEnv } from '../../src/deploy/deploy-child-env.js';
import { kongPgEnv } from '../../src/deploy/kong-pg-env.js';
import { isAppError } from '../../src/errors.js';

describe('kongPgEnv', () => {
  it('maps every part of a plain URL', () => {
    expect(kongPgEnv('postgres://kong:s3cret@kong-y-db:6543/kong_y')).toEqual({
      KONG_DATABASE: 'postgres',
      KONG_PG_HOST: 'kong-y-db',
      KONG_PG_PORT: '6543',
      KONG_PG_USER: 'kong',
      KONG_PG_PASSWORD: 's3cret',
      KONG_PG_DATABASE: 'kong_y',
    });
  });

  it('decodes a password with special characters and defaults the port', () => {
    const env = kongPgEnv('postgresql://kong%40corp:p%40ss%3Aw%2Fo%23rd%25@db.example/my%20db');
    expect(env.KONG_PG_PASSWORD).toBe('p@ss:w/o#rd%');
    expect(env.KONG_PG_USER).toBe('kong@corp');
    expect(env.KONG_PG_DATABASE).toBe('my db');
    expect(env.KONG_PG_PORT).toBe('5432');
    expect(env).not.toHaveProperty('KONG_PG_SSL');
  });

  it('leaves out what the URL does not say, so Kong keeps its defaults', () => {
    const env = kongPgEnv('postgres://db-host/');
    expect(env).toEqual({ KONG_DATABASE: 'postgres', KONG_PG_HOST: 'db-host', KONG_PG_PORT: '5432' });
  });

  it('strips the brackets of an IPv6 host and honours libpq ?host=', () => {
    expect(kongPgEnv('postgres://kong@[::1]:5433/kong').KONG_PG_HOST).toBe('::1');
    expect(kongPgEnv('postgres://kong@ignored/kong?host=/var/run/postgresql').KONG_PG_HOST).toBe(
      '/var/run/postgresql',
    );
  });

  it.each([
    ['disable', 'off', 'off', 'off'],
    ['prefer', 'on', 'off', 'off'],
    ['require', 'on', 'on', 'off'],
    ['verify-ca', 'on', 'on', 'on'],
    ['verify-full', 'on', 'on', 'on'],
  ])('maps sslmode=%s', (mode, ssl, required, verify) => {
    const env = kongPgEnv(`postgres://kong:pw@db/kong?sslmode=${mode}`);
    expect(env.KONG_PG_SSL).toBe(ssl);
    expect(env.KONG_PG_SSL_REQUIRED).toBe(required);
    expect(env.KONG_PG_SSL_VERIFY).toBe(verify);
    expect(env.KONG_PG_DATABASE).toBe('kong');
  });

  it.each([
    ['not a url', 'not a URL'],
    ['mysql://kong:pw@db/kong', 'postgres://'],
    ['postgres://kong:pw@db/kong?sslmode=sometimes', 'sslmode=sometimes'],
  ])('refuses %s with E_CONFIG_INVALID and a remedy, never echoing the password', (url, fragment) => {
    let caught: unknown;
    try {
      kongPgEnv(url);
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught) && caught.code).toBe('E_CONFIG_INVALID');
    if (!isAppError(caught)) throw new Error('expected an AppError');
    expect(caught.message).toContain(fragment);
    expect(caught.message).not.toContain(':pw@');
    expect(String(caught.details.remedy)).toContain('postgres://');
  });
});

describe('deployChildEnv', () => {
  it('keeps the worker environment, drops the bot credentials, adds KONG_PG_*', () => {
    const env = deployChildEnv(
      {
        PATH: '/usr/bin',
        HOME: '/home/bot',
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'sig',
        DATABASE_URL: 'postgres://bot:botpw@db/bot',
        REDIS_URL: 'redis://r',
        UNSET: undefined,
        KONG_PG_HOST: 'stale-host',
      },
      'postgres://kong:ypw@kong-y-db/kong',
    );
    expect(env.PATH).toBe('/usr/bin');
    expect(env.HOME).toBe('/home/bot');
    expect(env.KONG_PG_HOST).toBe('kong-y-db');
    expect(env.KONG_PG_PASSWORD).toBe('ypw');
    for (const key of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'DATABASE_URL', 'REDIS_URL', 'UNSET']) {
      expect(env).not.toHaveProperty(key);
    }
  });
});
