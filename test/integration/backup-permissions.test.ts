import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPgDump } from '../../src/backup/run-pg-dump.js';
import type { TestDatabase } from '../support/test-database.js';
import { createKongLikeDatabase } from './backup-fixture.js';

/** A backup holds every credential of X: directory 0700, files 0600, whatever the umask. */
let db: TestDatabase;
let root: string;
let savedUmask: number;

beforeAll(async () => {
  db = await createKongLikeDatabase();
  root = await mkdtemp(join(tmpdir(), 'kub-backup-perm-'));
  // The most permissive umask: every file pg_dump and the bot create would be world-writable.
  savedUmask = process.umask(0o000);
});
afterAll(async () => {
  process.umask(savedUmask);
  await db.drop();
  await rm(root, { recursive: true, force: true });
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('backup permissions', () => {
  it('the backup directory is 0700 and every file in it 0600 under umask 000', async () => {
    const dir = join(root, 'backups', 'prod-3');
    await runPgDump({ databaseUrl: db.url, dir, jobs: 2 });
    expect((await mode(dir)).toString(8)).toBe('700');
    // backup.dir itself, created by the bot here, is private too.
    expect((await mode(join(root, 'backups'))).toString(8)).toBe('700');
    const files = await readdir(dir);
    expect(files).toContain('toc.dat');
    expect(files).toContain('manifest.json');
    for (const file of files)
      expect([file, (await mode(join(dir, file))).toString(8)]).toEqual([file, '600']);
  });
});
