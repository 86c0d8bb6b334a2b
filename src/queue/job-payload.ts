import { z } from 'zod';
import { JOB_NAMES } from '../domain/job-names.js';

/** Every job carries the run id; gate jobs also carry the gate. Versioned so old jobs stay readable. */
export const jobPayloadSchema = z.object({
  v: z.literal(1),
  runId: z.string().regex(/^[a-z][a-z0-9-]{0,30}-[1-9][0-9]*$/),
  correlationId: z.string().max(100).optional(),
  gateId: z.string().uuid().optional(),
  targetWeight: z.number().int().min(0).max(100).optional(),
  seq: z.number().int().min(0).optional(),
  /** compare: the metrics source's state from the previous interval (its baseline). */
  state: z.unknown().optional(),
  /** compare: a one-off comparison asked for with `/kong-upgrade compare` (posted, not rescheduled). */
  adhoc: z.boolean().optional(),
  /** compare: one window of X before the first shift, stored for the chart (not rescheduled). */
  baseline: z.boolean().optional(),
});
export type JobPayload = z.infer<typeof jobPayloadSchema>;

export const jobNameSchema = z.enum(JOB_NAMES);
