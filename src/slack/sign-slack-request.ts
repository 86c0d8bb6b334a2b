import { createHmac } from 'node:crypto';

/**
 * Builds and signs requests exactly as Slack sends them to an app's Request URL (slack.md §2, §3):
 * used by tests and by the sandbox page's server side, which stands in for Slack.
 */

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
}

export interface SignSlackRequestInput {
  /** The exact raw body that will be sent; any re-encoding breaks the signature. */
  body: string;
  signingSecret: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`, keyed with the signing secret. */
export function signSlackRequest(input: SignSlackRequestInput): SlackSignatureHeaders {
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const hex = createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:${input.body}`).digest('hex');
  return { 'x-slack-signature': `v0=${hex}`, 'x-slack-request-timestamp': timestamp };
}

/** The content type Bolt requires to the byte: anything else is JSON-parsed and fails with 400. */
export const SLACK_FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** The form fields of a slash command, in the order Slack sends them; all strings. */
export interface SlashCommandFields {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  /** A string, "true" or "false", in command payloads (a boolean in block_actions). */
  is_enterprise_install: string;
  response_url: string;
  trigger_id: string;
}

const COMMAND_DEFAULTS: SlashCommandFields = {
  token: 'vtok',
  team_id: 'T0KONG001',
  team_domain: 'acme',
  channel_id: 'C0OPS0001',
  channel_name: 'ops-upgrades',
  user_id: 'U0ALICE01',
  user_name: 'alice',
  command: '/kong-upgrade',
  text: '',
  api_app_id: 'A0KONGBOT',
  is_enterprise_install: 'false',
  response_url: 'http://127.0.0.1:9/response/unset',
  trigger_id: '1111.2222.deadbeef',
};

/** `application/x-www-form-urlencoded` body of a slash command; unspecified fields get sample values. */
export function buildSlashCommandBody(fields: Partial<SlashCommandFields>): string {
  const all: SlashCommandFields = { ...COMMAND_DEFAULTS, ...fields };
  const form = new URLSearchParams();
  for (const key of Object.keys(COMMAND_DEFAULTS) as Array<keyof SlashCommandFields>)
    form.append(key, all[key]);
  return form.toString();
}

export interface BlockActionsInput {
  userId: string;
  userName?: string;
  teamId?: string;
  teamDomain?: string;
  channelId: string;
  channelName?: string;
  /** ts of the message that holds the button. */
  messageTs: string;
  actionId: string;
  value?: string;
  blockId?: string;
  responseUrl: string;
  isEphemeral?: boolean;
  buttonText?: string;
  style?: 'primary' | 'danger';
  /** The message as the bot posted it (blocks are echoed back by Slack). */
  messageText?: string;
  messageBlocks?: unknown[];
  botId?: string;
  botUserId?: string;
  triggerId?: string;
  /** Unix seconds with microseconds, as a string; defaults to now. */
  actionTs?: string;
  apiAppId?: string;
  token?: string;
}

export interface ButtonAction {
  type: 'button';
  action_id: string;
  block_id: string;
  value?: string;
  text: { type: 'plain_text'; text: string; emoji: boolean };
  style?: 'primary' | 'danger';
  action_ts: string;
}

/** The `block_actions` payload of one button click (slack.md §3.2). */
export interface BlockActionsPayload {
  type: 'block_actions';
  api_app_id: string;
  token: string;
  trigger_id: string;
  user: { id: string; username: string; name: string; team_id: string };
  team: { id: string; domain: string };
  is_enterprise_install: boolean;
  enterprise: null;
  container: { type: 'message'; message_ts: string; channel_id: string; is_ephemeral: boolean };
  channel: { id: string; name: string };
  message: {
    type: 'message';
    subtype: 'bot_message';
    bot_id: string;
    user: string;
    ts: string;
    text: string;
    blocks: unknown[];
  };
  state: { values: Record<string, never> };
  response_url: string;
  actions: ButtonAction[];
}

export function buildBlockActionsPayload(input: BlockActionsInput): BlockActionsPayload {
  const teamId = input.teamId ?? 'T0KONG001';
  const userName = input.userName ?? input.userId.toLowerCase();
  const action: ButtonAction = {
    type: 'button',
    action_id: input.actionId,
    block_id: input.blockId ?? `block-${input.actionId}`,
    text: { type: 'plain_text', text: input.buttonText ?? input.actionId, emoji: true },
    action_ts: input.actionTs ?? (Date.now() / 1000).toFixed(6),
  };
  if (input.value !== undefined) action.value = input.value;
  if (input.style !== undefined) action.style = input.style;
  return {
    type: 'block_actions',
    api_app_id: input.apiAppId ?? 'A0KONGBOT',
    token: input.token ?? 'vtok',
    trigger_id: input.triggerId ?? '1111.2222.cafe',
    user: { id: input.userId, username: userName, name: userName, team_id: teamId },
    team: { id: teamId, domain: input.teamDomain ?? 'acme' },
    is_enterprise_install: false,
    enterprise: null,
    container: {
      type: 'message',
      message_ts: input.messageTs,
      channel_id: input.channelId,
      is_ephemeral: input.isEphemeral ?? false,
    },
    channel: { id: input.channelId, name: input.channelName ?? 'ops-upgrades' },
    message: {
      type: 'message',
      subtype: 'bot_message',
      bot_id: input.botId ?? 'B0TEST',
      user: input.botUserId ?? 'U0BOT',
      ts: input.messageTs,
      text: input.messageText ?? "This content can't be displayed.",
      blocks: input.messageBlocks ?? [],
    },
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [action],
  };
}

/** Interactivity arrives as a form with one field, `payload`, holding the JSON. */
export function buildBlockActionsBody(payload: BlockActionsPayload): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A `view_submission` as Slack sends it when someone submits a modal (interactivity payload). */
export interface ViewSubmissionInput {
  teamId: string;
  userId: string;
  userName?: string;
  apiAppId?: string;
  triggerId?: string;
  /** The view as opened (callback_id, private_metadata, blocks…); Slack adds id, hash and state. */
  view: Record<string, unknown>;
  viewId: string;
  /** block_id → action_id → `{ type, value }` (or `selected_option`, `selected_options`, …). */
  values: Record<string, Record<string, Record<string, unknown>>>;
}

export function buildViewSubmissionBody(input: ViewSubmissionInput): string {
  const payload = {
    type: 'view_submission',
    team: { id: input.teamId, domain: 'sandbox' },
    user: { id: input.userId, username: input.userName ?? input.userId.toLowerCase(), team_id: input.teamId },
    api_app_id: input.apiAppId ?? 'A0KONGBOT',
    token: 'deprecated-verification-token',
    trigger_id: input.triggerId ?? `${Date.now()}.sub`,
    view: {
      ...input.view,
      id: input.viewId,
      team_id: input.teamId,
      state: { values: input.values },
      hash: `${Date.now()}.hash`,
      app_id: input.apiAppId ?? 'A0KONGBOT',
    },
    response_urls: [],
    is_enterprise_install: false,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A global shortcut (`type: shortcut`) chosen from Slack's shortcut menu. */
export function buildShortcutBody(input: {
  teamId: string;
  userId: string;
  callbackId: string;
  triggerId: string;
}): string {
  const payload = {
    type: 'shortcut',
    token: 'deprecated-verification-token',
    action_ts: `${Date.now() / 1000}`,
    team: { id: input.teamId, domain: 'sandbox' },
    user: { id: input.userId, username: input.userId.toLowerCase(), team_id: input.teamId },
    callback_id: input.callbackId,
    trigger_id: input.triggerId,
    is_enterprise_install: false,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An Events API `event_callback` (JSON body), e.g. `app_home_opened`. */
export function buildEventBody(input: {
  teamId: string;
  apiAppId?: string;
  event: Record<string, unknown>;
}): string {
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: input.teamId,
    api_app_id: input.apiAppId ?? 'A0KONGBOT',
    event: { event_ts: `${Date.now() / 1000}`, ...input.event },
    type: 'event_callback',
    event_id: `Ev${Date.now().toString(36).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: input.teamId, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
  });
}
