import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';
import { BACKUP_DIR_MODE } from './lock-down-backup.js';
import { pathExists } from './path-exists.js';

/** Suffix of a backup that is still being written (or was interrupted): never a finished backup. */
export const PARTIAL_SUFFIX = '.partial';

/**
 * Creates `<dir>.partial` (empty) for pg_dump to write into, after removing a stale one from an
 * interrupted earlier attempt. File-system problems become E_DISK with what to do.
 */
export async function prepareBackupDir(dir: string, replaceExisting: boolean): Promise<string> {
  if (!replaceExisting && (await pathExists(dir))) {
    throw new AppError(
      'E_BACKUP_FAILED',
      `${dir} already holds a backup. Restore from it (its manifest can be verified), or remove it to take a new one.`,
      { details: { dir, exists: true } },
    );
  }
  const partial = `${dir}${PARTIAL_SUFFIX}`;
  try {
    // A backup.dir the bot creates is private too; an existing one is left as its owner set it.
    await mkdir(dirname(dir), { recursive: true, mode: BACKUP_DIR_MODE });
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { mode: BACKUP_DIR_MODE });
    // mkdir's mode is filtered through the umask; chmod is not.
    await chmod(partial, BACKUP_DIR_MODE);
  } catch (cause) {
    throw diskError(cause, dir);
  }
  return partial;
}

export function diskError(cause: unknown, dir: string): AppError {
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
  const why =
    errno === 'ENOSPC' || errno === 'EDQUOT'
      ? 'the disk is full'
      : errno === 'EROFS'
        ? 'the file system is read-only'
        : errno === 'ENOTDIR' || errno === 'EEXIST'
          ? 'a part of the path is a file, not a directory'
          : errno === 'EACCES' || errno === 'EPERM'
            ? 'permission was denied'
            : `the file system reported ${errno}`;
  return new AppError(
    'E_DISK',
    `Cannot write the backup to ${dir}: ${why}. Point backup.dir at a writable directory with enough free space, then retry.`,
    { cause, details: { dir, errno } },
  );
}
