import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import {
  type BlockActionsInput,
  buildBlockActionsBody,
  buildBlockActionsPayload,
  buildEventBody,
  buildShortcutBody,
  buildSlashCommandBody,
  buildViewSubmissionBody,
  SLACK_FORM_CONTENT_TYPE,
  signSlackRequest,
  type ViewSubmissionInput,
} from '../../src/slack/sign-slack-request.js';

/**
 * Plays Slack towards the bot: signed slash commands and button clicks posted to Bolt's `/slack/events`
 * with the exact content type, plus the ways a request can be wrong (bad or missing signature, stale
 * timestamp, byte-for-byte replay).
 */

export interface ResponseUrlContext {
  channel: string;
  userId: string;
  messageTs?: string;
}

export interface SlackRequesterOptions {
  /** e.g. `http://127.0.0.1:PORT/slack/events` */
  botUrl: string;
  signingSecret: string;
  /** response_url = base + a fresh id, e.g. `${fake.url}/response/`. */
  responseUrlBase?: string;
  /** Alternative to the base: e.g. `(ctx) => fake.responseUrl(undefined, ctx)` so replies take effect. */
  responseUrlFor?: (ctx: ResponseUrlContext) => string;
  teamId?: string;
  command?: string;
  timeoutMs?: number;
  /** Clock in ms for request timestamps. */
  now?: () => number;
}

/** How to sign: properly, with a wrong secret, or not at all. */
export type SignMode = 'valid' | 'bad' | 'none';

export interface SendOptions {
  sign?: SignMode;
  /** Unix seconds to sign with; default now. */
  timestamp?: number;
  /** Sign with a timestamp 6 minutes old (Slack/Bolt reject > 5 minutes). */
  oldTimestamp?: boolean;
}

/** Exactly what went over the wire, for `replay`. */
export interface SentRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface SlackReply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  request: SentRequest;
  /** The response_url the request carried (empty for replays and raw sends). */
  responseUrl: string;
}

export interface SlashCommandInput extends SendOptions {
  text: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  channelName?: string;
  command?: string;
  triggerId?: string;
}

export interface ClickButtonInput
  extends SendOptions,
    Partial<Omit<BlockActionsInput, 'userId' | 'actionId' | 'messageTs' | 'responseUrl'>> {
  userId: string;
  actionId: string;
  messageTs: string;
}

export interface SlackRequester {
  slashCommand(input: SlashCommandInput): Promise<SlackReply>;
  clickButton(input: ClickButtonInput): Promise<SlackReply>;
  /** A modal submitted (`view_submission`): the view as opened, with the values typed into it. */
  submitView(input: Omit<ViewSubmissionInput, 'teamId'> & SendOptions): Promise<SlackReply>;
  /** A global shortcut chosen from Slack's menu. */
  shortcut(
    input: { userId: string; callbackId: string; triggerId: string } & SendOptions,
  ): Promise<SlackReply>;
  /** An Events API callback (JSON), e.g. `{ type: 'app_home_opened', user, tab: 'home' }`. */
  event(event: Record<string, unknown>, opts?: SendOptions): Promise<SlackReply>;
  /** Posts any form body, signed as asked. */
  send(body: string, opts?: SendOptions): Promise<SlackReply>;
  /** Sends a captured request again, byte for byte, headers included. */
  replay(sent: SentRequest): Promise<SlackReply>;
}

const DEFAULT_CHANNEL = 'C0OPS0001';

export function createSlackRequester(opts: SlackRequesterOptions): SlackRequester {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const teamId = opts.teamId ?? 'T0KONG001';

  const responseUrl = (ctx: ResponseUrlContext): string => {
    if (opts.responseUrlFor !== undefined) return opts.responseUrlFor(ctx);
    if (opts.responseUrlBase === undefined)
      throw new Error('createSlackRequester needs responseUrlBase or responseUrlFor');
    return `${opts.responseUrlBase}${randomBytes(6).toString('hex')}`;
  };

  const headersFor = (body: string, o: SendOptions): Record<string, string> => {
    const nowSeconds = Math.floor(now() / 1000);
    const timestamp = o.timestamp ?? (o.oldTimestamp ? nowSeconds - 6 * 60 : nowSeconds);
    const mode = o.sign ?? 'valid';
    const secret = mode === 'bad' ? `${opts.signingSecret}-wrong` : opts.signingSecret;
    const signed = signSlackRequest({ body, signingSecret: secret, timestamp });
    const headers: Record<string, string> = {
      'content-type': SLACK_FORM_CONTENT_TYPE,
      'x-slack-request-timestamp': signed['x-slack-request-timestamp'],
    };
    if (mode !== 'none') headers['x-slack-signature'] = signed['x-slack-signature'];
    return headers;
  };

  const deliver = async (sent: SentRequest, url: string): Promise<SlackReply> => {
    const res = await request(sent.url, {
      method: 'POST',
      body: sent.body,
      headers: sent.headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return {
      status: res.statusCode,
      body: await res.body.text(),
      headers: res.headers,
      request: sent,
      responseUrl: url,
    };
  };

  const send = (body: string, o: SendOptions = {}, url = '') =>
    deliver({ url: opts.botUrl, body, headers: headersFor(body, o) }, url);
  const sendJson = (body: string, o: SendOptions = {}) =>
    deliver(
      { url: opts.botUrl, body, headers: { ...headersFor(body, o), 'content-type': 'application/json' } },
      '',
    );

  return {
    async slashCommand(input) {
      const channel = input.channelId ?? DEFAULT_CHANNEL;
      const userId = input.userId ?? 'U0ALICE01';
      const url = responseUrl({ channel, userId });
      const body = buildSlashCommandBody({
        team_id: teamId,
        channel_id: channel,
        ...(input.channelName === undefined ? {} : { channel_name: input.channelName }),
        user_id: userId,
        user_name: input.userName ?? userId.toLowerCase(),
        command: input.command ?? opts.command ?? '/kong-upgrade',
        text: input.text,
        response_url: url,
        trigger_id: input.triggerId ?? `${Date.now()}.${randomBytes(4).toString('hex')}`,
      });
      return send(body, input, url);
    },
    async clickButton(input) {
      const { sign, timestamp, oldTimestamp, ...fields } = input;
      const channelId = fields.channelId ?? DEFAULT_CHANNEL;
      const url = responseUrl({ channel: channelId, userId: input.userId, messageTs: input.messageTs });
      const payload = buildBlockActionsPayload({ teamId, ...fields, channelId, responseUrl: url });
      return send(buildBlockActionsBody(payload), { sign, timestamp, oldTimestamp }, url);
    },
    submitView(input) {
      const { sign, timestamp, oldTimestamp, ...fields } = input;
      return send(buildViewSubmissionBody({ teamId, ...fields }), { sign, timestamp, oldTimestamp });
    },
    shortcut(input) {
      const { sign, timestamp, oldTimestamp, ...fields } = input;
      return send(buildShortcutBody({ teamId, ...fields }), { sign, timestamp, oldTimestamp });
    },
    event: (event, o) => sendJson(buildEventBody({ teamId, event }), o),
    send: (body, o) => send(body, o),
    replay: (sent) => deliver(sent, ''),
  };
}
