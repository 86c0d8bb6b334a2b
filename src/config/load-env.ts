import { type Env, envSchema } from './env-schema.js';

export type RunMode = 'start' | 'worker' | 'sandbox' | 'migrate' | 'check-config';

export type LoadEnvResult = { ok: true; env: Env } | { ok: false; problems: string[] };

const KNOWN = Object.keys(envSchema.shape);

/** True when the bot connects with Socket Mode (SLACK_APP_TOKEN set) instead of receiving HTTP requests. */
export function isSocketMode(env: Partial<Pick<Env, 'SLACK_APP_TOKEN'>>): boolean {
  return env.SLACK_APP_TOKEN !== undefined;
}

type SlackSettings = Partial<Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN' | 'SLACK_SIGNING_SECRET'>>;

function requiredProblems(env: SlackSettings, mode: RunMode): string[] {
  const problems: string[] = [];
  // Workers post progress and gates to Slack as well, so they need the bot token too.
  if ((mode === 'start' || mode === 'worker') && env.SLACK_BOT_TOKEN === undefined) {
    problems.push(
      `SLACK_BOT_TOKEN is required to ${mode === 'start' ? 'start the bot' : 'run workers'}: set it to the bot token (xoxb-…) from your Slack app's OAuth & Permissions page`,
    );
  }
  if (mode === 'start' && !isSocketMode(env) && env.SLACK_SIGNING_SECRET === undefined) {
    problems.push(
      "SLACK_SIGNING_SECRET is required in HTTP mode: set it to the Signing Secret from your Slack app's Basic Information page, or set SLACK_APP_TOKEN (xapp-…) to use Socket Mode instead",
    );
  }
  return problems;
}

/**
 * Validates the environment for a run mode (docs/contract.md#environment). Empty values count as unset, so a blank
 * `FOO=` line in a compose file falls back to the default. Returns every problem, one message each.
 */
export function loadEnv(raw: Readonly<Record<string, string | undefined>>, mode: RunMode): LoadEnvResult {
  const input: Record<string, string> = {};
  for (const key of KNOWN) {
    const value = raw[key]?.trim();
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const shapeProblems = parsed.error.issues.map((issue) => issue.message);
    // Still report missing required settings, so one start attempt shows everything to fix.
    const missing = requiredProblems(input, mode);
    return { ok: false, problems: [...shapeProblems, ...missing] };
  }
  const problems = requiredProblems(parsed.data, mode);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, env: parsed.data };
}
