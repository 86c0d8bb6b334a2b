import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors.js';

export const MANIFEST_FILE = 'manifest.json';

export const backupManifestSchema = z.object({
  formatVersion: z.literal(1),
  format: z.literal('directory'),
  /** file name → sha256 hex, for every file pg_dump wrote. */
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  /** schema-qualified table → exact row count in the dump's snapshot. */
  rowCounts: z.record(z.string(), z.number().int().nonnegative()),
  sizeBytes: z.number().int().nonnegative(),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type BackupManifest = z.infer<typeof backupManifestSchema>;

/** sha256 of one file, streamed (dump files can be large). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Hashes every file of a dump directory except the manifest itself, a few at a time. */
export async function hashBackupFiles(
  dir: string,
): Promise<{ files: Record<string, string>; sizeBytes: number }> {
  const names = (await readdir(dir)).filter((n) => n !== MANIFEST_FILE).sort();
  const files: Record<string, string> = {};
  let sizeBytes = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++];
      if (name === undefined) return;
      const path = join(dir, name);
      const { size } = await stat(path);
      files[name] = await sha256File(path);
      sizeBytes += size;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  // Keep the manifest's key order stable whatever order the workers finished in.
  return {
    files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))),
    sizeBytes,
  };
}

export async function writeBackupManifest(dir: string, manifest: BackupManifest): Promise<void> {
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
}

/** Reads and validates `manifest.json`; a missing or malformed one means "not a finished backup". */
export async function readBackupManifest(dir: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (cause) {
    throw new AppError(
      'E_BACKUP_CORRUPT',
      `${dir} has no ${MANIFEST_FILE}, so it is not a finished backup. Run the backup again.`,
      { cause, details: { dir } },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AppError(
      'E_BACKUP_CORRUPT',
      `${dir}/${MANIFEST_FILE} is not valid JSON. Run the backup again.`,
      {
        cause,
        details: { dir },
      },
    );
  }
  const parsed = backupManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new AppError(
      'E_BACKUP_CORRUPT',
      `${dir}/${MANIFEST_FILE} does not describe a backup (${parsed.error.issues[0]?.message ?? 'invalid'}). Run the backup again.`,
      { details: { dir } },
    );
  }
  return parsed.data;
}
