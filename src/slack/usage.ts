/** The slash command and its sub-commands (docs/contract.md#slash-command, contract). */
export const COMMAND_NAME = '/kong-upgrade';

export const SUBCOMMANDS = [
  'help',
  'start',
  'status',
  'list',
  'compare',
  'shift',
  'rollback',
  'pause',
  'resume',
  'abort',
] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

export function isSubcommand(value: string): value is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(value);
}

/** Argument synopsis of each sub-command, without the command name. */
const SYNOPSIS: Readonly<Record<Subcommand, string>> = {
  help: 'help',
  start: 'start <environment> [--steps 5,25,50,100] [--dry-run]',
  status: 'status [<run>]',
  list: 'list',
  compare: 'compare [<run>]',
  shift: 'shift <run> <percent>',
  rollback: 'rollback <run>',
  pause: 'pause <run>',
  resume: 'resume <run>',
  abort: 'abort <run>',
};

const DESCRIPTION: Readonly<Record<Subcommand, string>> = {
  help: 'show this help',
  start: 'start an upgrade run for an environment (--dry-run: preflight and plan only, nothing changes)',
  status: 'show a run (no run: the newest active run in this channel)',
  list: 'list active and recent runs',
  compare: 'post a metric comparison of X and Y now',
  shift: 'ask approval to send <percent> % of traffic to Y',
  rollback: 'ask approval to send 100 % of traffic back to X',
  pause: 'pause a run (no new gates or jobs until resumed)',
  resume: 'resume a paused run',
  abort: 'stop a run\u2019s jobs; traffic stays where it is',
};

/** The usage line of one sub-command, e.g. "/kong-upgrade shift <run> <percent>". */
export function usageLine(subcommand: Subcommand): string {
  return `${COMMAND_NAME} ${SYNOPSIS[subcommand]}`;
}

/** Every usage line, one per sub-command: shown when the sub-command itself is unknown. */
export function allUsageLines(): string {
  return SUBCOMMANDS.map((s) => usageLine(s)).join('\n');
}

/** The help text: one line per sub-command, plus what a run id looks like. */
export function helpText(): string {
  const lines = SUBCOMMANDS.map((s) => `\`${usageLine(s)}\` \u2014 ${DESCRIPTION[s]}`);
  return [
    `*${COMMAND_NAME}* runs a Kong dual-cluster upgrade (old cluster X, new cluster Y).`,
    ...lines,
    'A <run> is named <environment>-<number>, e.g. prod-7.',
  ].join('\n');
}
