import { z } from 'zod';

export const differenceKinds = ['missing_in_y', 'extra_in_y', 'changed'] as const;

export const tableDifferenceSchema = z.object({
  /** Primary-key value (`col=value, …` for composite keys). */
  key: z.string(),
  kind: z.enum(differenceKinds),
});
export type TableDifference = z.infer<typeof tableDifferenceSchema>;

export const tableConsistencySchema = z.object({
  table: z.string(),
  xRows: z.number().int().nonnegative(),
  yRows: z.number().int().nonnegative(),
  equal: z.boolean(),
  /** primary-key: compared chunk by chunk and row by row; whole-table: count + checksum only; missing: on one side only. */
  method: z.enum(['primary-key', 'whole-table', 'missing']),
  /** The first differences found (capped); `differenceCount` counts them all. */
  differences: z.array(tableDifferenceSchema),
  differenceCount: z.number().int().nonnegative(),
  /** Columns present on one side only, left out of the comparison (e.g. added by Y's migrations). */
  ignoredColumns: z.array(z.string()),
  note: z.string().optional(),
});
export type TableConsistency = z.infer<typeof tableConsistencySchema>;

export const consistencyReportSchema = z.object({
  equal: z.boolean(),
  tables: z.array(tableConsistencySchema),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type ConsistencyReport = z.infer<typeof consistencyReportSchema>;
