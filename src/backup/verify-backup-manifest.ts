import { AppError } from '../errors.js';
import { type BackupManifest, hashBackupFiles, readBackupManifest } from './backup-manifest.js';

export interface ManifestCheck {
  ok: boolean;
  checked: number;
  mismatched: string[];
  missing: string[];
  unexpected: string[];
  manifest: BackupManifest;
}

/** Recomputes the sha256 of every backup file and compares it with manifest.json. */
export async function verifyBackupManifest(dir: string): Promise<ManifestCheck> {
  const manifest = await readBackupManifest(dir);
  const actual = await hashBackupFiles(dir);
  const mismatched: string[] = [];
  const missing: string[] = [];
  for (const [name, sha] of Object.entries(manifest.files)) {
    const got = actual.files[name];
    if (got === undefined) missing.push(name);
    else if (got !== sha) mismatched.push(name);
  }
  const unexpected = Object.keys(actual.files).filter((name) => !(name in manifest.files));
  const ok = mismatched.length === 0 && missing.length === 0 && unexpected.length === 0;
  return { ok, checked: Object.keys(actual.files).length, mismatched, missing, unexpected, manifest };
}

/** Like verifyBackupManifest, but throws E_BACKUP_CORRUPT naming the bad files. */
export async function assertBackupIntact(dir: string): Promise<BackupManifest> {
  const check = await verifyBackupManifest(dir);
  if (!check.ok) {
    const parts = [
      check.mismatched.length > 0 ? `changed: ${check.mismatched.join(', ')}` : '',
      check.missing.length > 0 ? `missing: ${check.missing.join(', ')}` : '',
      check.unexpected.length > 0 ? `not in the manifest: ${check.unexpected.join(', ')}` : '',
    ].filter((p) => p !== '');
    throw new AppError(
      'E_BACKUP_CORRUPT',
      `The backup in ${dir} does not match its manifest (${parts.join('; ')}). Do not restore it; run the backup again.`,
      {
        details: { dir, mismatched: check.mismatched, missing: check.missing, unexpected: check.unexpected },
      },
    );
  }
  return check.manifest;
}
