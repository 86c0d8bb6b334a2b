import type { SlackBlock } from '../notifier.js';
import { type Command, parseCommand, renderCommand } from '../parse-command.js';

export const START_MODAL = 'start.modal';
/** The global shortcut's callback id (manifest `features.shortcuts`). */
export const START_SHORTCUT = 'kong_upgrade_start';
/** The App Home tab's "Start an upgrade" button. */
export const HOME_START_ACTION = 'home.start';

const ENV_BLOCK = 'environment';
const STEPS_BLOCK = 'steps';
const OPTIONS_BLOCK = 'options';
const CHANNEL_BLOCK = 'channel';
const DRY_RUN = 'dry_run';

export interface StartModalEnvironment {
  name: string;
  steps: readonly number[];
}

/**
 * The start form: environment, steps (blank: the environment's plan) and dry run. It asks for a channel
 * only when nothing else names one (a shortcut, with no `slack.channel` in the config).
 */
export function startModalView(input: {
  environments: readonly StartModalEnvironment[];
  /** Where the run's messages go (the command's channel, or `slack.channel`); null: ask. */
  channel: string | null;
}): Record<string, unknown> {
  const envs = input.environments.slice(0, 100);
  const option = (e: StartModalEnvironment) => ({
    text: { type: 'plain_text', text: e.name },
    value: e.name,
    description: { type: 'plain_text', text: `plan ${e.steps.join(', ')} %`.slice(0, 75) },
  });
  const first = envs[0];
  const blocks: SlackBlock[] = [
    {
      type: 'input',
      block_id: ENV_BLOCK,
      label: { type: 'plain_text', text: 'Environment' },
      element: {
        type: 'static_select',
        action_id: 'value',
        placeholder: { type: 'plain_text', text: 'Pick an environment' },
        options: envs.map(option),
        ...(envs.length === 1 && first ? { initial_option: option(first) } : {}),
      },
    },
    {
      type: 'input',
      block_id: STEPS_BLOCK,
      optional: true,
      label: { type: 'plain_text', text: 'Traffic steps to Y, in %' },
      hint: { type: 'plain_text', text: "Blank: the environment's plan. Increasing, ending at 100." },
      element: {
        type: 'plain_text_input',
        action_id: 'value',
        max_length: 100,
        placeholder: { type: 'plain_text', text: first ? first.steps.join(',') : '5,25,50,100' },
      },
    },
    {
      type: 'input',
      block_id: OPTIONS_BLOCK,
      optional: true,
      label: { type: 'plain_text', text: 'Options' },
      element: {
        type: 'checkboxes',
        action_id: 'value',
        options: [
          {
            text: { type: 'plain_text', text: 'Dry run' },
            description: { type: 'plain_text', text: 'Check and show the plan; change nothing' },
            value: DRY_RUN,
          },
        ],
      },
    },
  ];
  if (input.channel === null) {
    blocks.push({
      type: 'input',
      block_id: CHANNEL_BLOCK,
      label: { type: 'plain_text', text: 'Channel for the run' },
      hint: { type: 'plain_text', text: 'The bot posts the run card and asks for approvals there.' },
      element: {
        type: 'conversations_select',
        action_id: 'value',
        filter: { include: ['public', 'private'], exclude_bot_users: true },
      },
    });
  }
  return {
    type: 'modal',
    callback_id: START_MODAL,
    private_metadata: JSON.stringify({ channel: input.channel }),
    title: { type: 'plain_text', text: 'Start a Kong upgrade' },
    submit: { type: 'plain_text', text: 'Start' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

export type StartSubmission =
  | { ok: true; text: string; command: Extract<Command, { kind: 'start' }>; channelId: string }
  | { ok: false; errors: Record<string, string> };

type Values = Record<string, Record<string, Record<string, unknown>> | undefined>;

/** Reads the start form into the command it stands for, checked as the command would be. */
export function readStartSubmission(view: unknown, environments: readonly string[]): StartSubmission {
  const v = (view ?? {}) as { private_metadata?: unknown; state?: { values?: unknown } };
  let channel: unknown = null;
  try {
    channel = (
      JSON.parse(typeof v.private_metadata === 'string' ? v.private_metadata : '{}') as {
        channel?: unknown;
      }
    ).channel;
  } catch {
    return { ok: false, errors: { [ENV_BLOCK]: 'This form is out of date; open it again.' } };
  }
  const values = (v.state?.values ?? {}) as Values;
  const field = (block: string) => values[block]?.value ?? {};
  const selected = field(ENV_BLOCK).selected_option as { value?: unknown } | undefined;
  const environment = typeof selected?.value === 'string' ? selected.value : '';
  if (!environments.includes(environment))
    return { ok: false, errors: { [ENV_BLOCK]: 'Pick one of the environments in the list.' } };
  const stepsRaw = field(STEPS_BLOCK).value;
  const steps = typeof stepsRaw === 'string' ? stepsRaw.replace(/[\s%]+/g, '') : '';
  const checked = field(OPTIONS_BLOCK).selected_options;
  const dryRun = Array.isArray(checked) && checked.some((o) => (o as { value?: unknown })?.value === DRY_RUN);
  const chosen = field(CHANNEL_BLOCK).selected_conversation;
  const channelId =
    typeof channel === 'string' && channel !== '' ? channel : typeof chosen === 'string' ? chosen : '';
  if (!/^[CGD][A-Z0-9]{2,}$/.test(channelId)) {
    // Errors must name a field the form has: the channel field exists only when no channel was known.
    const asked = typeof channel !== 'string' || channel === '';
    return {
      ok: false,
      errors: asked
        ? { [CHANNEL_BLOCK]: 'Pick the channel the run should post in.' }
        : { [ENV_BLOCK]: 'This form is out of date; open it again.' },
    };
  }
  if (steps !== '' && !/^[0-9,]{1,100}$/.test(steps))
    return {
      ok: false,
      errors: {
        [STEPS_BLOCK]: 'Write the steps as whole percentages separated by commas, e.g. 5,25,50,100.',
      },
    };
  const text = `start ${environment}${steps === '' ? '' : ` --steps ${steps}`}${dryRun ? ' --dry-run' : ''}`;
  const parsed = parseCommand(text, { environments });
  if (!parsed.ok)
    return { ok: false, errors: { [steps === '' ? ENV_BLOCK : STEPS_BLOCK]: parsed.error.slice(0, 150) } };
  if (parsed.command.kind !== 'start') return { ok: false, errors: { [ENV_BLOCK]: 'Pick an environment.' } };
  return { ok: true, text: renderCommand(parsed.command), command: parsed.command, channelId };
}
