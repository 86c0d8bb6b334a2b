import { z } from 'zod';

/** What a finished backup is, as stored in the `backups` table and the job's result event. */
export const backupResultSchema = z.object({
  path: z.string(),
  format: z.literal('directory'),
  sizeBytes: z.number().int().nonnegative(),
  /** file name → sha256 hex (the same content as manifest.json's `files`). */
  manifest: z.record(z.string(), z.string()),
  /** schema-qualified table → exact row count. */
  rowCounts: z.record(z.string(), z.number().int().nonnegative()),
  tables: z.number().int().nonnegative(),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type BackupResult = z.infer<typeof backupResultSchema>;
