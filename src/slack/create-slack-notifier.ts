import { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { createBoltLogger } from './bolt-logger.js';
import { classifySlackError } from './classify-slack-error.js';
import { createCoalescer } from './coalesce-updates.js';
import { clampText, fitBlocks, MAX_UPDATE_TEXT } from './fit-blocks.js';
import type { Notifier, SlackMessage } from './notifier.js';
import {
  createSlackCallScheduler,
  type SlackCallScheduler,
  type SlackCallSchedulerOptions,
  type SlackPriority,
} from './slack-call-scheduler.js';

export interface SlackNotifierOptions {
  token: string;
  apiUrl: string;
  log: Logger;
  timeoutMs?: number;
  /** Called with the Slack error code of every failed call, for the bot's own metrics. */
  onError?: (method: string, code: string) => void;
  updateIntervalMs?: number;
  /** Pacing, budgets and retries (tests shorten them). */
  scheduling?: SlackCallSchedulerOptions;
}

/**
 * A WebClient that leaves rate limits and retries to the caller: with `rejectRateLimitedCalls` a 429
 * rejects at once with its Retry-After (instead of pausing the client's whole queue), and with no
 * retries of its own every failure comes back to the scheduler, which decides. Its logs go to pino.
 */
export function createSlackWebClient(
  token: string,
  apiUrl: string,
  log: Logger,
  timeoutMs = 10_000,
): WebClient {
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    timeout: timeoutMs,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logger: createBoltLogger(log.child({ component: 'slack-web-api' })),
  });
}

export interface SlackNotifier extends Notifier {
  /** The scheduler every call of this notifier goes through (other Slack calls may share it). */
  scheduler: SlackCallScheduler;
  client: WebClient;
  /** conversations.info: is the bot a member, is the channel archived (errors as E_SLACK_API). */
  conversationInfo(channel: string): Promise<{ isMember: boolean; isArchived: boolean }>;
  permalink(channel: string, ts: string): Promise<string | null>;
}

export function createSlackNotifier(options: SlackNotifierOptions): SlackNotifier {
  const log = options.log.child({ adapter: 'slack' });
  const client = createSlackWebClient(options.token, options.apiUrl, options.log, options.timeoutMs);
  const scheduler = createSlackCallScheduler({
    ...options.scheduling,
    onAttemptFailed: (call, failure, attempt, willRetry) => {
      if (willRetry)
        log.info(
          {
            method: call.method,
            channel: call.channel,
            code: failure.code,
            attempt,
            retryAfterMs: failure.retryAfterMs,
          },
          'slack api call will be retried',
        );
      options.scheduling?.onAttemptFailed?.(call, failure, attempt, willRetry);
    },
  });

  async function call<T>(
    method: string,
    context: { channel?: string; ts?: string; priority?: SlackPriority | undefined },
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await scheduler.run(
        {
          method,
          ...(context.channel ? { channel: context.channel } : {}),
          priority: context.priority ?? 'normal',
        },
        fn,
      );
    } catch (err) {
      const failure = classifySlackError(err);
      options.onError?.(method, failure.code);
      log.warn(
        { method, code: failure.code, channel: context.channel, ts: context.ts },
        'slack api call failed',
      );
      throw new AppError('E_SLACK_API', `Slack refused ${method}: ${failure.code}`, {
        retryable: failure.retryable,
        cause: err,
        details: { method, code: failure.code },
      });
    }
  }

  const body = (m: SlackMessage) => ({
    channel: m.channel,
    text: clampText(m.text),
    ...(m.blocks ? { blocks: fitBlocks(m.blocks) } : {}),
  });

  const sendUpdate = createCoalescer<SlackMessage & { ts: string }>(async (_key, m) => {
    await call('chat.update', { channel: m.channel, ts: m.ts, priority: m.priority ?? 'low' }, () =>
      client.chat.update({ ...body(m), text: clampText(m.text, MAX_UPDATE_TEXT), ts: m.ts } as never),
    );
  }, options.updateIntervalMs ?? 1000);

  return {
    scheduler,
    client,
    async post(m) {
      const res = await call('chat.postMessage', { channel: m.channel, priority: m.priority }, () =>
        client.chat.postMessage({
          ...body(m),
          ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
          ...(m.threadTs && m.broadcast ? { reply_broadcast: true } : {}),
          unfurl_links: false,
        } as never),
      );
      return { ts: String(res.ts), channel: String(res.channel ?? m.channel) };
    },
    update(m) {
      return sendUpdate(`${m.channel}/${m.ts}`, m);
    },
    async ephemeral(m) {
      await call('chat.postEphemeral', { channel: m.channel, priority: 'urgent' }, () =>
        client.chat.postEphemeral({
          ...body(m),
          user: m.user,
          ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
        } as never),
      );
    },
    async upload(f) {
      await call('files.uploadV2', { channel: f.channel, priority: 'low' }, () =>
        client.filesUploadV2({
          channel_id: f.channel,
          thread_ts: f.threadTs,
          file: f.data,
          filename: f.filename,
          title: f.title,
          ...(f.altText ? { alt_text: f.altText } : {}),
        } as never),
      );
    },
    async uploadImage(f) {
      const res = (await call('files.uploadV2', { channel: 'files', priority: 'low' }, () =>
        client.filesUploadV2({
          file: f.data,
          filename: f.filename,
          title: f.title,
          alt_text: f.altText,
        } as never),
      )) as { files?: { id?: unknown; files?: { id?: unknown }[] }[] };
      // files.uploadV2 answers one completeUploadExternal result per file: { files: [{ files: [{ id }] }] }.
      const first = res.files?.[0];
      const id = first?.files?.[0]?.id ?? first?.id;
      if (typeof id !== 'string') throw new Error('files.uploadV2 answered without a file id');
      return { fileId: id };
    },
    async conversationInfo(channel) {
      const res = await call('conversations.info', { channel, priority: 'urgent' }, () =>
        client.conversations.info({ channel }),
      );
      const c = (res.channel ?? {}) as { is_member?: boolean; is_archived?: boolean; is_im?: boolean };
      // A DM the bot can see is one it is part of (conversations.info has no is_member for DMs).
      return { isMember: c.is_member === true || c.is_im === true, isArchived: c.is_archived === true };
    },
    async permalink(channel, ts) {
      const res = await call('chat.getPermalink', { channel, priority: 'normal' }, () =>
        client.chat.getPermalink({ channel, message_ts: ts }),
      );
      return typeof res.permalink === 'string' ? res.permalink : null;
    },
  };
}
