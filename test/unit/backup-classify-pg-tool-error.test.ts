import { describe, expect, it } from 'vitest';
import { classifyPgClientError } from '../../src/backup/classify-pg-client-error.js';
import { classifyPgToolError, type PgToolFailure } from '../../src/backup/classify-pg-tool-error.js';

const base: PgToolFailure = {
  tool: 'pg_dump',
  exitCode: 1,
  stderr: '',
  maskedUrl: 'postgres://kong:****@db-x:5432/kong',
  dir: '/var/lib/kong-upgrade/backups/prod-7',
  serverMajor: 16,
};
const classify = (stderr: string, extra: Partial<PgToolFailure> = {}) =>
  classifyPgToolError({ ...base, stderr, ...extra });

// Texts as pg_dump/pg_restore 15 print them (captured from real runs, or from libpq's sources).
describe('classifyPgToolError', () => {
  it.each([
    [
      'pg_dump: error: aborting because of server version mismatch\npg_dump: detail: server version: 16.2; pg_dump version: 15.20',
      'E_PGDUMP_VERSION',
    ],
    ['pg_restore: error: unsupported version (1.15) in file header', 'E_PGDUMP_VERSION'],
    [
      'pg_dump: error: connection to server at "db-x" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed for user "kong"',
      'E_PG_AUTH',
    ],
    [
      'pg_dump: error: connection to server at "db-x" (10.0.0.5), port 5432 failed: FATAL:  no pg_hba.conf entry for host "10.0.0.9", user "kong", database "kong", no encryption',
      'E_PG_AUTH',
    ],
    [
      'pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  role "nologin_probe" is not permitted to log in',
      'E_PG_AUTH',
    ],
    [
      'pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  role "ghost" does not exist',
      'E_PG_AUTH',
    ],
    [
      'pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "nope_db" does not exist',
      'E_PG_DATABASE_MISSING',
    ],
    [
      'pg_dump: error: connection to server at "127.0.0.1", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?',
      'E_PG_UNREACHABLE',
    ],
    [
      'pg_dump: error: could not translate host name "no-such-host.invalid" to address: Name or service not known',
      'E_PG_UNREACHABLE',
    ],
    [
      'pg_dump: error: could not write to file "/backups/prod-7.partial/3589.dat": No space left on device',
      'E_DISK',
    ],
    ['pg_dump: error: could not create directory "/etc/passwd/x": Not a directory', 'E_DISK'],
    ['pg_dump: error: could not create directory "/backups/prod-7.partial": Permission denied', 'E_DISK'],
    ['pg_dump: error: could not create directory "/mnt/ro/prod-7.partial": Read-only file system', 'E_DISK'],
  ])('%s → %s', (stderr, code) => {
    const error = classify(stderr);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(40);
  });

  it('tells SQL "permission denied for table" (a privilege problem) from a file "Permission denied"', () => {
    const error = classify('pg_dump: error: query failed: ERROR:  permission denied for table secrets');
    expect(error.code).toBe('E_BACKUP_FAILED');
    expect(error.message).toContain('permission denied for table secrets');
  });

  it('says which package to install, for a missing binary and for an old one', () => {
    const missing = classify('', { spawnErrorCode: 'ENOENT', exitCode: null });
    expect(missing.code).toBe('E_PGDUMP_MISSING');
    expect(missing.message).toContain('postgresql-client-16');
    const old = classify('pg_dump: error: aborting because of server version mismatch');
    expect(old.message).toContain('postgresql-client-16');
  });

  it('falls back to E_BACKUP_FAILED / E_RESTORE_FAILED with the last error line', () => {
    const dump = classify('pg_dump: last built-in OID is 16383\npg_dump: error: something odd happened');
    expect(dump.code).toBe('E_BACKUP_FAILED');
    expect(dump.retryable).toBe(true);
    expect(dump.message).toContain('something odd happened');
    const restore = classify(
      'pg_restore: error: could not execute query: ERROR:  schema "extra" already exists',
      {
        tool: 'pg_restore',
      },
    );
    expect(restore.code).toBe('E_RESTORE_FAILED');
    expect(restore.message).toContain('already exists');
  });

  it('names the masked URL and the directory, never more', () => {
    const auth = classify('FATAL:  password authentication failed for user "kong"');
    expect(auth.message).toContain('postgres://kong:****@db-x:5432/kong');
    const disk = classify('could not write to file "x": No space left on device');
    expect(disk.message).toContain('/var/lib/kong-upgrade/backups/prod-7');
    expect(disk.retryable).toBe(false);
  });
});

describe('classifyPgClientError', () => {
  it.each([
    ['28P01', 'E_PG_AUTH'],
    ['28000', 'E_PG_AUTH'],
    ['3D000', 'E_PG_DATABASE_MISSING'],
    ['ECONNREFUSED', 'E_PG_UNREACHABLE'],
    ['ENOTFOUND', 'E_PG_UNREACHABLE'],
    ['42P01', 'E_UNKNOWN'],
  ])('SQLSTATE/errno %s → %s', (code, expected) => {
    const error = classifyPgClientError(
      Object.assign(new Error('boom'), { code }),
      'postgres://u:****@h/db',
      'test',
    );
    expect(error.code).toBe(expected);
    expect(error.message).toContain('postgres://u:****@h/db');
  });
});
