import { z } from 'zod';

/**
 * How long finished runs keep their bulky leftovers. Counted from the end of the run (completed,
 * rolled back, failed or aborted); a run still in progress keeps everything. The audit log
 * (`run_events`, `audit_events`) is kept for ever.
 */
export const retentionSchema = z.strictObject({
  /** Backup directories of X, which hold every credential of X: removed this many days after the run ended. */
  backupDays: z.int().min(1).max(3650).default(14),
  /** Metric samples of a run. */
  metricSampleDays: z.int().min(1).max(3650).default(90),
  /** Thread lines already posted (or given up on). */
  outboxDays: z.int().min(1).max(3650).default(30),
});

export type RetentionConfig = z.infer<typeof retentionSchema>;
