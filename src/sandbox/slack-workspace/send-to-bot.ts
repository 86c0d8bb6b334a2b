import { errors, request } from 'undici';
import {
  type BlockActionsInput,
  buildBlockActionsBody,
  buildBlockActionsPayload,
  buildEventBody,
  buildSlashCommandBody,
  buildViewSubmissionBody,
  SLACK_FORM_CONTENT_TYPE,
  type SlashCommandFields,
  signSlackRequest,
  type ViewSubmissionInput,
} from '../../slack/sign-slack-request.js';

/** The bot's answer, or the error Slack would show when there is none in time. */
export type BotAnswer =
  | { ok: true; status: number; body: string; contentType: string }
  | { ok: false; error: 'operation_timeout' | 'dispatch_failed'; status?: number };

export interface BotSender {
  slashCommand(fields: Partial<SlashCommandFields>): Promise<BotAnswer>;
  blockActions(input: BlockActionsInput): Promise<BotAnswer>;
  viewSubmission(input: ViewSubmissionInput): Promise<BotAnswer>;
  /** An Events API callback (JSON body). */
  event(input: { teamId: string; apiAppId: string; event: Record<string, unknown> }): Promise<BotAnswer>;
}

/**
 * Plays Slack towards the bot's Request URL: form bodies signed with the signing secret
 * (`v0=` HMAC of `v0:<ts>:<body>`), the exact content type Bolt needs, and Slack's patience (3 s).
 */
export function createBotSender(opts: {
  botUrl: string | (() => string);
  signingSecret: string;
  timeoutMs: number;
}): BotSender {
  const send = async (body: string, bodyType = SLACK_FORM_CONTENT_TYPE): Promise<BotAnswer> => {
    const signed = signSlackRequest({ body, signingSecret: opts.signingSecret });
    try {
      const url = typeof opts.botUrl === 'string' ? opts.botUrl : opts.botUrl();
      const res = await request(url, {
        method: 'POST',
        body,
        headers: { 'content-type': bodyType, ...signed },
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      const text = await res.body.text();
      // Bolt answers 404 when nothing acked within 3 s; Slack calls both cases a timeout.
      if (res.statusCode === 404) return { ok: false, error: 'operation_timeout', status: 404 };
      if (res.statusCode !== 200) return { ok: false, error: 'dispatch_failed', status: res.statusCode };
      const contentType = String(res.headers['content-type'] ?? '');
      return { ok: true, status: res.statusCode, body: text, contentType };
    } catch (error) {
      const timedOut =
        error instanceof errors.HeadersTimeoutError ||
        error instanceof errors.BodyTimeoutError ||
        (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));
      return { ok: false, error: timedOut ? 'operation_timeout' : 'dispatch_failed' };
    }
  };
  return {
    slashCommand: (fields) => send(buildSlashCommandBody(fields)),
    blockActions: (input) => send(buildBlockActionsBody(buildBlockActionsPayload(input))),
    viewSubmission: (input) => send(buildViewSubmissionBody(input)),
    event: (input) => send(buildEventBody(input), 'application/json'),
  };
}
