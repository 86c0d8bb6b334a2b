import type { JobDefinition } from '../src/engine/job-definition.js';
import { deployJob } from './deploy.js';
import { preflightJob } from './preflight.js';

/** Every job processor, one file each; the worker maps a BullMQ job name to its definition. */
export const JOB_DEFINITIONS: readonly JobDefinition[] = [preflightJob, deployJob];
