/** What an audit event's kind means, in words, for `status` (raw kinds stay in the audit log). */
const LABELS: Record<string, string> = {
  'command.start': 'started',
  'command.shift': 'asked for a traffic step',
  'command.rollback': 'asked for a rollback',
  'command.compare': 'asked for a comparison',
  'comparison.verdict': 'metric comparison',
  'freeze.drift': "X's configuration changed during the freeze",
  'gate.requested': 'approval requested',
  'gate.approved': 'approved',
  'gate.rejected': 'rejected',
  'gate.expired': 'approval expired',
  'gate.superseded': 'approval replaced by a newer one',
  'gate.refused': 'click refused',
  'run.aborted': 'aborted',
  'run.paused': 'paused',
  'run.resumed': 'resumed',
  'traffic.weight_applied': 'traffic weight applied',
};

const JOBS: Record<string, string> = {
  preflight: 'preflight checks',
  backup: 'backup of X',
  restore: "restore into Y's database",
  deploy: 'deploy of Y',
  verify: 'verification of Y',
  shift: 'traffic shift',
  rollback: 'rollback',
  compare: 'comparison',
  complete: 'completion',
};

/**
 * `comparison.verdict` → "metric comparison", `job.backup.succeeded` → "backup of X done",
 * `command.abort.refused` → "abort refused". Unknown kinds are shown with their dots as spaces.
 */
export function describeEventKind(kind: string, details?: Record<string, unknown>): string {
  const job = /^job\.([a-z_]+)\.(succeeded|failed|started)$/.exec(kind);
  if (job?.[1] && job[2]) {
    const name = JOBS[job[1]] ?? job[1].replaceAll('_', ' ');
    return `${name} ${{ succeeded: 'done', failed: 'failed', started: 'started' }[job[2]]}`;
  }
  const refused = /^command\.([a-z_]+)\.refused$/.exec(kind);
  if (refused?.[1]) return `${refused[1]} refused`;
  const label = LABELS[kind] ?? kind.replaceAll('.', ' ').replaceAll('_', ' ');
  if (kind === 'comparison.verdict' && typeof details?.verdict === 'string') {
    return `${label}: ${details.verdict.replaceAll('_', ' ')}`;
  }
  if (kind === 'traffic.weight_applied' && typeof details?.weight === 'number')
    return `traffic now ${details.weight} % on Y`;
  return label;
}
