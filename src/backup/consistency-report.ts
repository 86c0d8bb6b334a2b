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
  /**
   * No difference that counts: every row alike (content comparison), or the same keys and row
   * count (keys comparison, content changes are in `changedCount`); a table on one side only
   * counts only when one-sided tables are differences.
   */
  equal: z.boolean(),
  /** primary-key: compared chunk by chunk and row by row; whole-table: count + checksum only; missing: on one side only. */
  method: z.enum(['primary-key', 'whole-table', 'missing']),
  /** The first differences found (capped); `differenceCount` counts them all. */
  differences: z.array(tableDifferenceSchema),
  differenceCount: z.number().int().nonnegative(),
  /** Columns present on one side only, left out of the comparison (e.g. added by Y's migrations). */
  ignoredColumns: z.array(z.string()),
  note: z.string().optional(),
  /** Keys comparison only: rows present on both sides whose content differs (information). */
  changedCount: z.number().int().nonnegative().optional(),
  /** Keys comparison only: the first keys of those rows (capped). */
  changedKeys: z.array(z.string()).optional(),
  /** Keys comparison only: the columns whose values differ in the rows of `changedKeys`. */
  changedColumns: z.array(z.string()).optional(),
  /** A TTL'd table: only rows not expired when the check started were compared. */
  liveRowsOnly: z.boolean().optional(),
  /** A table on one side only that was reported as information rather than a difference. */
  onlyIn: z.enum(['x', 'y']).optional(),
});
export type TableConsistency = z.infer<typeof tableConsistencySchema>;

export const consistencyReportSchema = z.object({
  equal: z.boolean(),
  tables: z.array(tableConsistencySchema),
  /** content: every common column compared; keys: primary keys and row counts decide. */
  compare: z.enum(['content', 'keys']).optional(),
  /** Tables left out on purpose (e.g. Kong's bookkeeping), as `public.<name>`, present on either side. */
  excluded: z.array(z.string()).optional(),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type ConsistencyReport = z.infer<typeof consistencyReportSchema>;
