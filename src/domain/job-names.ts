/** BullMQ job names, one processor file each under jobs/. */
export const JOB_NAMES = [
  'preflight',
  'backup',
  'restore',
  'deploy',
  'verify',
  'shift',
  'compare',
  'rollback',
  'complete',
  'readback',
] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** Jobs that make up the preparation phases, in order; each phase is named after its job. */
export const PREPARATION_JOBS = ['preflight', 'backup', 'restore', 'deploy', 'verify'] as const;
export type PreparationJob = (typeof PREPARATION_JOBS)[number];

/**
 * Deterministic job ids make enqueueing idempotent: the reconciler can re-enqueue whatever the
 * phases in PostgreSQL say is in flight without ever running a step twice. BullMQ rejects ':' in
 * custom ids, hence the dots.
 */
export function jobIdFor(runId: string, job: JobName, suffix?: string | number): string {
  return suffix === undefined ? `${runId}.${job}` : `${runId}.${job}.${suffix}`;
}

export function gateJobId(gateId: string): string {
  return `gate.${gateId}`;
}
