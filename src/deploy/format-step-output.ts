import { clipText } from '../clip-text.js';
import type { DeployStepResult } from './run-deploy-commands.js';

const MAX_LINE = 300;

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/**
 * One deploy command's result for the run's thread: the command, how it ended, and the tail of its
 * output in a code block. The step's argv and tail must already be scrubbed of secrets.
 */
export function formatStepOutput(
  step: Pick<DeployStepResult, 'exitCode' | 'durationMs' | 'tail'> & { command: string },
  index: number,
  total: number,
  /** What the step belongs to: "Deploy" or "Rehearsal". */
  label = 'Deploy',
): string {
  const ok = step.exitCode === 0;
  const ending = step.exitCode === null ? 'stopped' : `exit ${step.exitCode}`;
  const head = `${ok ? '✅' : '❌'} ${label} ${index + 1}/${total}: \`${step.command.replace(/`/g, "'")}\` (${ending}, ${seconds(step.durationMs)})`;
  if (step.tail.length === 0) return `${head}\n_no output_`;
  // A line of three backticks in the output would close the block early.
  const body = step.tail.map((l) => clipText(l, MAX_LINE).replace(/```/g, "'''")).join('\n');
  return `${head}\n\`\`\`\n${body}\n\`\`\``;
}
