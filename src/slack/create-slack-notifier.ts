import { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { createCoalescer } from './coalesce-updates.js';
import { clampText, fitBlocks, MAX_UPDATE_TEXT } from './fit-blocks.js';
import type { Notifier, SlackMessage } from './notifier.js';

export interface SlackNotifierOptions {
  token: string;
  apiUrl: string;
  log: Logger;
  timeoutMs?: number;
  /** Called with the Slack error code of every failed call, for the bot's own metrics. */
  onError?: (method: string, code: string) => void;
  updateIntervalMs?: number;
}

export function createSlackWebClient(token: string, apiUrl: string, timeoutMs = 10_000): WebClient {
  // A few retries honour 429 Retry-After (the client waits as told); more would hold a job for minutes.
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    timeout: timeoutMs,
    retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5000 },
  });
}

function slackErrorCode(err: unknown): string {
  const data = (err as { data?: { error?: string } }).data;
  return data?.error ?? (err as { code?: string }).code ?? 'unknown_error';
}

export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const client = createSlackWebClient(options.token, options.apiUrl, options.timeoutMs);
  const log = options.log.child({ adapter: 'slack' });

  async function call<T>(method: string, context: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const code = slackErrorCode(err);
      options.onError?.(method, code);
      log.warn({ method, code, ...context }, 'slack api call failed');
      throw new AppError('E_SLACK_API', `Slack refused ${method}: ${code}`, {
        retryable: code === 'ratelimited' || code === 'slack_webapi_request_error',
        cause: err,
        details: { method, code },
      });
    }
  }

  const body = (m: SlackMessage) => ({
    channel: m.channel,
    text: clampText(m.text),
    ...(m.blocks ? { blocks: fitBlocks(m.blocks) } : {}),
  });

  const sendUpdate = createCoalescer<SlackMessage & { ts: string }>(async (_key, m) => {
    await call('chat.update', { channel: m.channel, ts: m.ts }, () =>
      client.chat.update({ ...body(m), text: clampText(m.text, MAX_UPDATE_TEXT), ts: m.ts } as never),
    );
  }, options.updateIntervalMs ?? 1000);

  return {
    async post(m) {
      const res = await call('chat.postMessage', { channel: m.channel }, () =>
        client.chat.postMessage({
          ...body(m),
          ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
          unfurl_links: false,
        } as never),
      );
      return { ts: String(res.ts), channel: String(res.channel ?? m.channel) };
    },
    update(m) {
      return sendUpdate(`${m.channel}/${m.ts}`, m);
    },
    async ephemeral(m) {
      await call('chat.postEphemeral', { channel: m.channel }, () =>
        client.chat.postEphemeral({
          ...body(m),
          user: m.user,
          ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
        } as never),
      );
    },
    async upload(f) {
      await call('files.uploadV2', { channel: f.channel }, () =>
        client.filesUploadV2({
          channel_id: f.channel,
          thread_ts: f.threadTs,
          file: f.data,
          filename: f.filename,
          title: f.title,
        }),
      );
    },
  };
}
