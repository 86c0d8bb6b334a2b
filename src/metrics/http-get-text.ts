import type { Logger } from 'pino';
import { request } from 'undici';
import { backoffDelay } from '../backoff-delay.js';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { describeLimit } from '../read-capped-text.js';
import { sleep } from '../sleep.js';
import { withTimeout } from '../with-timeout.js';

export interface HttpGetTextOptions {
  headers?: Record<string, string>;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Extra attempts after the first, for network errors and 502/503/504 (default 2). GETs are idempotent. */
  retries?: number;
  /** First backoff delay; doubles each attempt, with jitter (default 250 ms). */
  backoffMs?: number;
  /** Bodies above this are refused (default 16 MiB: a Kong with thousands of routes stays far below). */
  maxBytes?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface HttpTextResponse {
  statusCode: number;
  contentType: string;
  body: string;
}

const RETRY_STATUSES = new Set([502, 503, 504]);

/**
 * GET with a timeout, bounded retries and a size limit, for metrics endpoints. Network failures
 * become `E_METRICS_UNREACHABLE` (retryable); any HTTP answer is returned for the caller to judge.
 */
export async function httpGetText(url: string, options: HttpGetTextOptions = {}): Promise<HttpTextResponse> {
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 250;
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt - 1, backoffMs), options.signal);
    try {
      const response = await getOnce(url, options);
      if (!RETRY_STATUSES.has(response.statusCode) || attempt === retries) return response;
      options.logger?.warn(
        { url: describeEndpoint(url), status: response.statusCode, attempt },
        'metrics GET retrying',
      );
    } catch (error) {
      if (error instanceof AppError || options.signal?.aborted) throw unreachable(url, error);
      lastError = error;
      options.logger?.warn({ url: describeEndpoint(url), err: String(error), attempt }, 'metrics GET failed');
    }
  }
  throw unreachable(url, lastError);
}

async function getOnce(url: string, options: HttpGetTextOptions): Promise<HttpTextResponse> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const started = performance.now();
  const response = await request(url, {
    method: 'GET',
    headers: { accept: 'text/plain, application/json;q=0.9, */*;q=0.1', ...options.headers },
    signal: withTimeout(timeoutMs, options.signal).signal,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      response.body.destroy();
      throw new AppError(
        'E_METRICS_BAD_RESPONSE',
        `The metrics endpoint ${describeEndpoint(url)} sent more than ${describeLimit(maxBytes)}, the most the bot reads from one scrape; check the URL points at a metrics endpoint.`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  const header = response.headers['content-type'];
  options.logger?.debug(
    {
      url: describeEndpoint(url),
      status: response.statusCode,
      ms: Math.round(performance.now() - started),
      bytes: size,
    },
    'metrics GET',
  );
  return {
    statusCode: response.statusCode,
    contentType: Array.isArray(header) ? (header[0] ?? '') : (header ?? ''),
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

function unreachable(url: string, cause: unknown): AppError {
  if (cause instanceof AppError) return cause;
  const timedOut =
    cause instanceof Error && (cause.name === 'TimeoutError' || cause.name.includes('Timeout'));
  return new AppError(
    'E_METRICS_UNREACHABLE',
    `Could not reach the metrics endpoint ${describeEndpoint(url)}${timedOut ? ' (timed out)' : ''}. Check that it is up and reachable from the bot; the next interval will try again.`,
    { retryable: true, cause, details: { url: describeEndpoint(url) } },
  );
}

/** The endpoint as shown in messages and logs: no secrets, and no (long PromQL) query string. */
export function describeEndpoint(url: string): string {
  return maskUrl(url, { hideQuery: true });
}
