import { escapeMrkdwn } from '../domain/escape-mrkdwn.js';
import { validatePlanSteps } from '../domain/plan.js';
import { allUsageLines, isSubcommand, SUBCOMMANDS, type Subcommand, usageLine } from './usage.js';

/** A run named `<environment>-<number>`, e.g. prod-7. */
export interface RunRef {
  id: string;
  environment: string;
  number: number;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'start'; environment: string; steps: number[] | null; dryRun: boolean }
  | { kind: 'status' | 'compare'; run: RunRef | null }
  | { kind: 'list' }
  | { kind: 'shift'; run: RunRef; percent: number }
  | { kind: 'rollback' | 'pause' | 'resume' | 'abort'; run: RunRef };

export type ParseResult = { ok: true; command: Command } | { ok: false; error: string; usage: string };

export interface ParseCommandOptions {
  /** Environments named in the config file; anything else is refused. */
  environments: readonly string[];
}

/** Run numbers are stored as PostgreSQL integers. */
const MAX_RUN_NUMBER = 2_147_483_647;
const RUN_ID = /^([a-z][a-z0-9-]{0,30})-([1-9][0-9]{0,9})$/;

type Step<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses the text after `/kong-upgrade`. Never throws: bad input gives a plain-words error and usage. */
export function parseCommand(text: string, opts: ParseCommandOptions): ParseResult {
  const tokens = normalize(text)
    .split(' ')
    .filter((t) => t.length > 0);
  const [first, ...args] = tokens;
  if (first === undefined) return { ok: true, command: { kind: 'help' } };
  const sub = first.toLowerCase();
  if (!isSubcommand(sub)) {
    const guess = suggest(sub);
    const hint = guess === null ? ' Type "help" to see every sub-command.' : ` Did you mean "${guess}"?`;
    return { ok: false, error: `Unknown sub-command ${quote(first)}.${hint}`, usage: allUsageLines() };
  }
  const result = parseArgs(sub, args.map(lowerOption), opts.environments);
  if (!result.ok) return { ok: false, error: result.error, usage: usageLine(sub) };
  return { ok: true, command: result.value };
}

/** Renders a command back to the text that parses to it (used by the sandbox and round-trip tests). */
export function renderCommand(command: Command): string {
  switch (command.kind) {
    case 'help':
    case 'list':
      return command.kind;
    case 'start': {
      const steps = command.steps === null ? '' : ` --steps ${command.steps.join(',')}`;
      return `start ${command.environment}${steps}${command.dryRun ? ' --dry-run' : ''}`;
    }
    case 'status':
    case 'compare':
      return command.run === null ? command.kind : `${command.kind} ${command.run.id}`;
    case 'shift':
      return `shift ${command.run.id} ${command.percent}`;
    default:
      return `${command.kind} ${command.run.id}`;
  }
}

/** Parses `<environment>-<number>` and checks the environment is configured. */
export function parseRunRef(token: string, environments: readonly string[]): Step<RunRef> {
  const id = token.toLowerCase();
  const match = RUN_ID.exec(id);
  const environment = match?.[1];
  const number = Number(match?.[2]);
  if (environment === undefined || !Number.isSafeInteger(number) || number > MAX_RUN_NUMBER) {
    const example = `${environments[0] ?? 'prod'}-7`;
    return { ok: false, error: `${quote(token)} is not a run: use <environment>-<number>, e.g. ${example}.` };
  }
  const env = checkEnvironment(environment, environments);
  return env.ok ? { ok: true, value: { id, environment, number } } : env;
}

function parseArgs(sub: Subcommand, args: string[], envs: readonly string[]): Step<Command> {
  switch (sub) {
    case 'help':
      return { ok: true, value: { kind: 'help' } }; // "help start" etc. still just shows help
    case 'list':
      return noMore(args, 0, { kind: 'list' });
    case 'start':
      return parseStart(args, envs);
    case 'status':
    case 'compare': {
      if (args[0] === undefined) return { ok: true, value: { kind: sub, run: null } };
      const run = parseRunRef(args[0], envs);
      return run.ok ? noMore(args, 1, { kind: sub, run: run.value }) : run;
    }
    case 'shift': {
      if (args[0] === undefined || args[1] === undefined) {
        return { ok: false, error: `shift needs a run and a percent, e.g. shift ${example(envs)} 50.` };
      }
      const run = parseRunRef(args[0], envs);
      if (!run.ok) return run;
      const percent = parsePercent(args[1]);
      return percent.ok
        ? noMore(args, 2, { kind: 'shift', run: run.value, percent: percent.value })
        : percent;
    }
    default: {
      if (args[0] === undefined)
        return { ok: false, error: `${sub} needs a run, e.g. ${sub} ${example(envs)}.` };
      const run = parseRunRef(args[0], envs);
      return run.ok ? noMore(args, 1, { kind: sub, run: run.value }) : run;
    }
  }
}

function parseStart(args: string[], envs: readonly string[]): Step<Command> {
  let environment: string | null = null;
  let steps: number[] | null = null;
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const [name, inline] = splitOption(arg);
    if (name === '--dry-run' && inline === undefined) {
      if (dryRun) return { ok: false, error: '--dry-run is given more than once.' };
      dryRun = true;
    } else if (name === '--steps') {
      if (steps !== null) return { ok: false, error: '--steps is given more than once.' };
      const value = inline ?? args[++i];
      if (value === undefined || value === '' || value.startsWith('--')) {
        return { ok: false, error: '--steps needs a list of percentages, e.g. --steps 5,25,50,100.' };
      }
      const parsed = parseSteps(value);
      if (!parsed.ok) return parsed;
      steps = parsed.value;
    } else if (arg.startsWith('-')) {
      return { ok: false, error: `Unknown option ${quote(arg)}: start accepts --steps and --dry-run.` };
    } else if (environment === null) {
      const env = checkEnvironment(arg, envs);
      if (!env.ok) return env;
      environment = env.value;
    } else {
      return { ok: false, error: `Unexpected ${quote(arg)}: start takes one environment.` };
    }
  }
  if (environment === null) {
    return { ok: false, error: `start needs an environment. ${knownEnvironments(envs)}` };
  }
  return { ok: true, value: { kind: 'start', environment, steps, dryRun } };
}

function parseSteps(value: string): Step<number[]> {
  const steps: number[] = [];
  for (const item of value.split(',')) {
    const m = /^(\d{1,3})%?$/.exec(item);
    if (m?.[1] === undefined) {
      return {
        ok: false,
        error: `${quote(item)} is not a valid step: use whole percentages from 1 to 100, e.g. --steps 5,25,50,100.`,
      };
    }
    steps.push(Number(m[1]));
  }
  const problem = validatePlanSteps(steps);
  return problem === null ? { ok: true, value: steps } : { ok: false, error: `--steps: ${problem}.` };
}

function parsePercent(token: string): Step<number> {
  const m = /^(\d{1,3})%?$/.exec(token);
  const percent = Number(m?.[1]);
  if (m === null || percent < 1 || percent > 100) {
    return { ok: false, error: `${quote(token)} is not a valid percent: use a whole number from 1 to 100.` };
  }
  return { ok: true, value: percent };
}

function checkEnvironment(name: string, envs: readonly string[]): Step<string> {
  const env = name.toLowerCase();
  if (envs.includes(env)) return { ok: true, value: env };
  return { ok: false, error: `Unknown environment ${quote(name)}. ${knownEnvironments(envs)}` };
}

function knownEnvironments(envs: readonly string[]): string {
  return envs.length === 0
    ? 'No environments are configured: add one under "environments" in the config file.'
    : `Known environments: ${envs.join(', ')}.`;
}

function noMore(args: string[], used: number, command: Command): Step<Command> {
  const extra = args[used];
  if (extra === undefined) return { ok: true, value: command };
  return { ok: false, error: `Unexpected ${quote(extra)}: ${command.kind} takes no more arguments.` };
}

function splitOption(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

function lowerOption(arg: string): string {
  return arg.startsWith('-') ? arg.toLowerCase() : arg;
}

function example(envs: readonly string[]): string {
  return `${envs[0] ?? 'prod'}-7`;
}

/**
 * Slack clients send what people type: no-break and odd spaces, smart quotes, an em dash where "--" was
 * typed (autocorrect), HTML-escaped &<>, code backticks. None of these carry meaning in this grammar.
 */
function normalize(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/[\u200b-\u200d\u2060\ufeff]/g, '')
    .replace(/[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g, ' ')
    .replace(/["'`\u2018-\u201f\u00ab\u00bb\u2039\u203a]/g, '')
    .replace(/[\u2012-\u2015\u2212]-?/g, '--')
    .replace(/ ?, ?/g, ',')
    .replace(/ %/g, '%')
    .trim();
}

/** Echoes user input shortened and re-escaped, so "<!channel>" typed in a command can never ping anyone. */
function quote(token: string): string {
  const short = token.length > 40 ? `${token.slice(0, 40)}\u2026` : token;
  return `"${escapeMrkdwn(short)}"`;
}

/** Closest sub-command: a unique prefix first ("stat" → status), else an edit distance of at most 2. */
function suggest(word: string): Subcommand | null {
  const w = word.slice(0, 40);
  const prefixed = SUBCOMMANDS.filter((s) => w.length >= 2 && s.startsWith(w));
  if (prefixed.length === 1) return prefixed[0] ?? null;
  let best: Subcommand | null = null;
  // Short words are too ambiguous to guess ("st" is as near to "list" as to "start").
  let bestDistance = Math.min(2, Math.floor(w.length / 2)) + 1;
  for (const s of SUBCOMMANDS) {
    const d = editDistance(w, s);
    if (d < bestDistance) [best, bestDistance] = [s, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next.push(Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}
