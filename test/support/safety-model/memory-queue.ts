import type { EnqueueRequest, JobQueue } from '../../../src/queue/job-queue.js';

export interface QueuedJob extends EnqueueRequest {
  attemptsMade: number;
}

/**
 * The JobQueue role in memory, with BullMQ's id semantics (an id that is waiting, active or done is
 * not added again; a failed one is retried), so the model test decides which job runs when.
 */
export interface MemoryQueue extends JobQueue {
  waiting: QueuedJob[];
  active: Set<string>;
  done: Set<string>;
  failed: Set<string>;
  /** Takes a waiting job out to run it (marks it active). */
  take(index: number): QueuedJob | undefined;
  /** Redis lost its data: every job and id is forgotten (active copies keep running). */
  flush(): void;
}

export function createMemoryQueue(): MemoryQueue {
  const queue: MemoryQueue = {
    waiting: [],
    active: new Set(),
    done: new Set(),
    failed: new Set(),
    async enqueue(request) {
      const id = request.jobId;
      if (queue.active.has(id) || queue.done.has(id) || queue.waiting.some((j) => j.jobId === id)) return;
      queue.failed.delete(id);
      queue.waiting.push({ ...request, attemptsMade: 0 });
    },
    async cancelRunJobs(runId) {
      const before = queue.waiting.length;
      queue.waiting = queue.waiting.filter((j) => j.payload.runId !== runId);
      return before - queue.waiting.length;
    },
    async pendingJobIds(runId) {
      return [
        ...queue.waiting.filter((j) => j.payload.runId === runId).map((j) => j.jobId),
        ...[...queue.active].filter((id) => id.startsWith(`${runId}.`) || id.startsWith('gate.')),
      ];
    },
    async ping() {},
    async close() {},
    take(index) {
      if (queue.waiting.length === 0) return undefined;
      const [job] = queue.waiting.splice(index % queue.waiting.length, 1);
      if (job) queue.active.add(job.jobId);
      return job;
    },
    flush() {
      queue.waiting = [];
      queue.done.clear();
      queue.failed.clear();
    },
  };
  return queue;
}
