import { chmod, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Backups hold every credential and private key of X: only the bot's user may read them. */
export const BACKUP_DIR_MODE = 0o700;
export const BACKUP_FILE_MODE = 0o600;

/**
 * Sets a backup directory (and every directory below it) to 0700 and every file to 0600, whatever the
 * umask was when pg_dump wrote them.
 */
export async function lockDownBackup(dir: string): Promise<void> {
  await chmod(dir, BACKUP_DIR_MODE);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await lockDownBackup(path);
    else if (entry.isFile()) await chmod(path, BACKUP_FILE_MODE);
  }
}
