import { describe, expect, it } from 'vitest';
import { kongPgEnv } from '../../src/deploy/kong-pg-env.js';
import { kongPgUrl } from '../../src/sandbox/kong-pg-url.js';

describe('kongPgUrl', () => {
  it('reverses kongPgEnv: the migrations stand-in finds the database the deploy job points at', () => {
    for (const url of [
      'postgres://kong:s%3Acret@db.example:6543/kong_y',
      'postgres://postgres@127.0.0.1:5432/kong_sandbox_y',
    ]) {
      expect(kongPgUrl(kongPgEnv(url))).toBe(url);
    }
  });

  it("uses Kong's defaults for unset settings and keeps socket directories as ?host=", () => {
    expect(kongPgUrl({ KONG_PG_HOST: 'db' })).toBe('postgres://kong@db:5432/kong');
    expect(kongPgUrl({ KONG_PG_HOST: '/var/run/postgresql', KONG_PG_DATABASE: 'k' })).toBe(
      'postgres://kong@localhost:5432/k?host=%2Fvar%2Frun%2Fpostgresql',
    );
    expect(kongPgUrl({ KONG_PG_HOST: 'db', KONG_PG_SSL: 'on' })).toContain('sslmode=require');
  });

  it('refuses a missing host or a bad port, without echoing the password', () => {
    expect(() => kongPgUrl({ KONG_PG_PASSWORD: 'pw-9' })).toThrow(/KONG_PG_HOST is not set/);
    try {
      kongPgUrl({ KONG_PG_HOST: 'db', KONG_PG_PORT: 'abc', KONG_PG_PASSWORD: 'pw-9' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/KONG_PG_PORT must be a port number/);
      expect((error as Error).message).not.toContain('pw-9');
    }
  });
});
