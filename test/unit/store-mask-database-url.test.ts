import { describe, expect, it } from 'vitest';
import { maskDatabaseUrl } from '../../src/store/mask-database-url.js';

describe('maskDatabaseUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(maskDatabaseUrl('postgres://kong:p%40ss@db.internal:5432/kong_upgrade')).toBe(
      'postgres://kong:***@db.internal:5432/kong_upgrade',
    );
  });

  it('leaves a URL without password as it is', () => {
    expect(maskDatabaseUrl('postgres://postgres@127.0.0.1:5432/kong_upgrade')).toBe(
      'postgres://postgres@127.0.0.1:5432/kong_upgrade',
    );
  });

  it('masks secret-looking query parameters', () => {
    const masked = maskDatabaseUrl('postgres://u@h/db?sslmode=require&password=hunter2&sslkey=/k.pem');
    expect(masked).not.toContain('hunter2');
    expect(masked).toContain('sslmode=require');
  });

  it('does not echo something that is not a URL', () => {
    expect(maskDatabaseUrl('host=db password=hunter2')).toBe('<unparseable database URL>');
  });
});
