import type { JobName } from '../domain/job-names.js';
import type { JobPayload } from './job-payload.js';

export interface EnqueueRequest {
  job: JobName;
  jobId: string;
  payload: JobPayload;
  delayMs?: number;
}

/** The role the rest of the bot sees of BullMQ. */
export interface JobQueue {
  /**
   * Idempotent: a job id that exists already (waiting, active or done) is not added again; one that
   * failed is retried (callers only enqueue what PostgreSQL says is still in flight).
   */
  enqueue(request: EnqueueRequest): Promise<void>;
  /** Removes a run's jobs that have not started; active ones notice the run's phase and stop. */
  cancelRunJobs(runId: string): Promise<number>;
  /** Ids of a run's jobs that are waiting, delayed or active. */
  pendingJobIds(runId: string): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
