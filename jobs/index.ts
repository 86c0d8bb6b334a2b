import type { JobDefinition } from '../src/engine/job-definition.js';
import { backupJob } from './backup.js';
import { compareJob } from './compare.js';
import { completeJob } from './complete.js';
import { deployJob } from './deploy.js';
import { preflightJob } from './preflight.js';
import { readbackJob } from './readback.js';
import { restoreJob } from './restore.js';
import { rollbackJob } from './rollback.js';
import { shiftJob } from './shift.js';
import { verifyJob } from './verify.js';

/** Every job processor, one file each; the worker maps a BullMQ job name to its definition. */
export const JOB_DEFINITIONS: readonly JobDefinition[] = [
  preflightJob,
  backupJob,
  restoreJob,
  deployJob,
  verifyJob,
  shiftJob,
  compareJob,
  rollbackJob,
  completeJob,
  readbackJob,
];
