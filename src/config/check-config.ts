import { isAppError } from '../errors.js';
import type { ConfigProblem } from './config-problem.js';
import type { BotConfig } from './config-schema.js';
import { formatConfigProblems } from './format-config-problems.js';
import { loadConfig } from './load-config.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A summary that is safe to print: names and counts, never URLs, tokens or passwords. */
function summarize(path: string, config: BotConfig): string {
  const { approvers, approverGroups, fourEyes, gateTimeoutMinutes } = config.approvals;
  const lines = [
    `${path} is valid.`,
    `  approvals: ${plural(approvers.length, 'approver')}, ${plural(approverGroups.length, 'approver group')}, four-eyes ${fourEyes ? 'on' : 'off'}, gates expire after ${gateTimeoutMinutes} min`,
    `  slack channel: ${config.slack.channel ?? 'the channel of each command'}`,
    '  environments:',
  ];
  for (const [name, env] of Object.entries(config.environments)) {
    const deploy =
      env.deploy.webhook === undefined ? plural(env.deploy.commands.length, 'command') : 'webhook';
    lines.push(
      `    - ${name}: Y version ${env.clusterY.version}, router ${env.traffic.router}, metrics ${env.metrics.source}, steps ${env.plan.steps.join(', ')}, deploy by ${deploy}, ${plural(env.smokeTests.length, 'smoke test')}`,
    );
  }
  return lines.join('\n');
}

/** For `main.ts check-config`: validates the file and returns what to print (every problem, or a summary). */
export async function checkConfig(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ ok: boolean; output: string }> {
  try {
    const config = await loadConfig({ path, env });
    return { ok: true, output: summarize(path, config) };
  } catch (error) {
    if (!isAppError(error) || error.code !== 'E_CONFIG_INVALID') throw error;
    const problems = (error.details.problems ?? []) as ConfigProblem[];
    const count = plural(problems.length, 'problem');
    return {
      ok: false,
      output: `${path} has ${count}; the bot will not start with it:\n${formatConfigProblems(problems)}`,
    };
  }
}
