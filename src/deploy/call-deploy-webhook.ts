import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import { excerpt } from '../clip-text.js';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { BodyTooLargeError, describeLimit, readCappedText } from '../read-capped-text.js';
import { scrubSecrets } from '../scrub-secrets.js';
import { webhookSignatureHeaders } from '../traffic/webhook-signature.js';
import { withTimeout } from '../with-timeout.js';

/** What the deploy system is told; only non-secret facts (it has its own access to Y's database). */
export interface DeployWebhookBody {
  run: string;
  environment: string;
  targetVersion: string;
  clusterY: { adminUrl: string; proxyUrl: string };
}

export interface CallDeployWebhookOptions {
  url: string;
  secret: string;
  /** Body-only signature without a timestamp, for receivers that do not check it yet. */
  legacySignature?: boolean | undefined;
  body: DeployWebhookBody;
  timeoutMs: number;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  log?: Logger;
}

export interface DeployWebhookResult {
  status: number;
  durationMs: number;
  /** A short excerpt of the answer, for the thread. */
  excerpt: string;
}

/** Only an excerpt of the answer is shown, so a short read is all it needs. */
export const DEPLOY_WEBHOOK_MAX_BODY_BYTES = 64 * 1024;

function answerExcerpt(text: string, secret: string): string {
  return excerpt(scrubSecrets(text, [secret]), 300);
}

/**
 * POSTs the deploy request, signed like the traffic webhook router (`X-Signature: sha256=<hex HMAC of
 * the body>`), and requires a 2xx. Tried once: a deploy is not a read, and a failed job is retried by
 * the queue as a whole. `Idempotency-Key` lets the receiver recognise that retry.
 */
export async function callDeployWebhook(options: CallDeployWebhookOptions): Promise<DeployWebhookResult> {
  const where = `POST ${maskUrl(options.url)}`;
  const body = JSON.stringify({
    ...options.body,
    clusterY: {
      adminUrl: maskUrl(options.body.clusterY.adminUrl),
      proxyUrl: maskUrl(options.body.clusterY.proxyUrl),
    },
  });
  const { signal, deadline: timeout } = withTimeout(options.timeoutMs, options.signal);
  const started = Date.now();
  let status: number;
  let text: string;
  try {
    const res = await request(options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...webhookSignatureHeaders(body, options.secret, { legacy: options.legacySignature === true }),
        'idempotency-key': `${options.body.run}.deploy`,
        'user-agent': 'kong-upgrade-bot',
      },
      body,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    status = res.statusCode;
    text = await readCappedText(res.body, DEPLOY_WEBHOOK_MAX_BODY_BYTES);
  } catch (cause) {
    if (cause instanceof BodyTooLargeError) {
      throw new AppError(
        'E_DEPLOY_FAILED',
        `The deploy webhook (${where}) answered with more than ${describeLimit(cause.limit)}, the most the bot reads from it; only a short answer is expected. Check deploy.webhook.url.`,
        { cause, details: { where, limit: cause.limit } },
      );
    }
    if (options.signal?.aborted) {
      throw new AppError('E_DEPLOY_FAILED', `The deploy webhook call (${where}) was cancelled.`, {
        retryable: true,
        cause,
      });
    }
    const timedOut = timeout.aborted;
    const reason = timedOut
      ? `no answer within ${Math.round(options.timeoutMs / 1000)} s`
      : cause instanceof Error
        ? scrubSecrets(cause.message, [options.secret])
        : 'unknown error';
    throw new AppError(
      timedOut ? 'E_DEPLOY_TIMEOUT' : 'E_DEPLOY_FAILED',
      `The deploy webhook (${where}) did not answer: ${reason}.`,
      {
        retryable: !timedOut,
        cause,
        details: {
          where,
          remedy: timedOut
            ? 'Check the deploy system; if deploys take longer, raise deploy.timeoutSeconds.'
            : 'Check that the deploy system is running and reachable from the workers (deploy.webhook.url).',
        },
      },
    );
  }
  const durationMs = Date.now() - started;
  options.log?.info({ where, status, durationMs }, 'deploy webhook answered');
  if (status >= 200 && status < 300)
    return { status, durationMs, excerpt: answerExcerpt(text, options.secret) };
  const rejected = status === 401 || status === 403;
  throw new AppError(
    'E_DEPLOY_FAILED',
    `The deploy webhook (${where}) answered HTTP ${status}${text.trim() ? `: ${answerExcerpt(text, options.secret)}` : ''}.`,
    {
      // A 5xx or 429 may pass; a 4xx will not change by asking again.
      retryable: status >= 500 || status === 429,
      details: {
        where,
        status,
        remedy: rejected
          ? 'The deploy system refused the signature: check that deploy.webhook.secret matches its secret.'
          : "Check the deploy system's logs for this request, fix the cause, then start a new run.",
      },
    },
  );
}
