import type { Phase, Run } from './run.js';

const PHASE_LABELS: Record<Phase, string> = {
  preflight: 'Preflight checks',
  backup: 'Backing up X',
  restore: "Restoring into Y's database",
  deploy: 'Deploying Y',
  verify: 'Verifying Y',
  awaiting_gate: 'Waiting for approval',
  shifting: 'Shifting traffic',
  observing: 'Observing',
  completing: 'Completing',
  completed: 'Completed',
  rolling_back: 'Rolling back',
  rolled_back: 'Rolled back',
  failed: 'Failed',
  aborted: 'Aborted',
};

export function phaseLabel(phase: Phase): string {
  return PHASE_LABELS[phase];
}

/** What comes next, in plain words, for the run card. */
export function nextStepText(run: Run): string {
  if (run.paused) return `Paused. \`/kong-upgrade resume ${run.id}\` continues.`;
  const next = run.planSteps[run.stepIndex + 1];
  switch (run.phase) {
    case 'preflight':
      return run.dryRun ? 'The plan is posted; nothing changes.' : 'Back up X.';
    case 'backup':
      return "Restore X's backup into Y's database.";
    case 'restore':
      return 'Deploy Y (migrations) and wait until it is healthy.';
    case 'deploy':
      return 'Verify Y against X.';
    case 'verify':
      return `An approval to send ${run.planSteps[0] ?? 0} % of traffic to Y.`;
    case 'awaiting_gate':
    case 'observing':
      return next === undefined
        ? 'An approval to complete the upgrade.'
        : `An approval to send ${next} % of traffic to Y.`;
    case 'shifting':
      return 'Applying the approved weight and reading it back.';
    case 'completing':
      return 'Writing the summary; the write freeze ends.';
    case 'rolling_back':
      return 'Sending 100 % of traffic to X.';
    case 'completed':
      return run.dryRun ? 'Dry run: nothing was changed.' : 'Done. Config writes may resume.';
    case 'rolled_back':
      return 'All traffic is on X. Config writes may resume.';
    case 'failed':
      return 'Stopped. See the thread for the reason and what to do.';
    case 'aborted':
      return 'Stopped. Traffic stays where it was.';
  }
}

/**
 * A ten-cell split bar, e.g. `X 80 % ▒▒▒▒▒▒▒▒██ Y 20 %`: Y's share is solid, X's shaded, so neither
 * the start (all X) nor the end (all Y) looks like an empty bar.
 */
export function splitBar(percentY: number): string {
  const cells = 10;
  const yCells = Math.round((percentY / 100) * cells);
  return `X ${100 - percentY} % ${'▒'.repeat(cells - yCells)}${'█'.repeat(yCells)} Y ${percentY} %`;
}

const DURING: Record<Phase, string> = {
  preflight: 'during the preflight checks',
  backup: 'during the backup of X',
  restore: "during the restore into Y's database",
  deploy: 'during the deploy of Y',
  verify: 'during the verification of Y',
  awaiting_gate: 'while waiting for an approval',
  shifting: 'while shifting traffic',
  observing: 'while observing Y',
  completing: 'while completing',
  completed: 'after completion',
  rolling_back: 'during the rollback',
  rolled_back: 'after the rollback',
  failed: 'after the failure',
  aborted: 'after the abort',
};

/** "during the backup of X", "while waiting for an approval": a phase after "failed" or "aborted". */
export function duringPhase(phase: Phase): string {
  return DURING[phase];
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
