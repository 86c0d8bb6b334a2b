import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import { backoffDelay } from '../backoff-delay.js';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { BodyTooLargeError, describeLimit, readCappedText } from '../read-capped-text.js';
import { sleep } from '../sleep.js';
import { withTimeout } from '../with-timeout.js';

export interface RouterRequestOptions {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Only for calls that are safe to repeat (reads, and writes of the same absolute weights). */
  idempotent: boolean;
  /** Total attempts for idempotent calls; non-idempotent calls are tried once. */
  attempts?: number;
  /** First backoff delay; doubles per attempt (with jitter, capped at 10 s). */
  backoffMs?: number;
  dispatcher?: Dispatcher;
  log?: Logger;
  /** What is being called, for messages: "the webhook router", "the Kubernetes API". */
  target: string;
  /** Largest answer read (default 1 MiB: routers answer with a few weights). */
  maxBodyBytes?: number;
}

export const DEFAULT_ROUTER_MAX_BODY_BYTES = 1024 * 1024;

export interface RouterResponse {
  status: number;
  text: string;
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Waits before the next attempt; a cancellation ends the wait and the loop then stops with E_ROUTER_UNREACHABLE. */
async function backoff(retry: number, baseMs: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(backoffDelay(retry, baseMs), signal).catch(() => undefined);
}

/**
 * One HTTP call to a traffic router with a per-attempt timeout and, for idempotent calls, bounded
 * retries with exponential backoff on network errors, timeouts, 429 and 5xx. Returns any response
 * that arrived (the caller maps statuses to its own codes); throws E_ROUTER_UNREACHABLE otherwise.
 */
export async function routerRequest(options: RouterRequestOptions): Promise<RouterResponse> {
  const attempts = options.idempotent ? Math.max(1, options.attempts ?? 3) : 1;
  const backoffMs = options.backoffMs ?? 200;
  const where = `${options.method} ${maskUrl(options.url)}`;
  let lastError: unknown;
  let made = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (options.signal?.aborted) break;
    made = attempt;
    const { signal } = withTimeout(options.timeoutMs, options.signal);
    try {
      const res = await request(options.url, {
        method: options.method,
        headers: options.headers,
        body: options.body,
        signal,
        dispatcher: options.dispatcher,
      });
      const text = await readCappedText(res.body, options.maxBodyBytes ?? DEFAULT_ROUTER_MAX_BODY_BYTES);
      if (attempt < attempts && isRetryableStatus(res.statusCode)) {
        options.log?.warn({ where, status: res.statusCode, attempt }, 'router call failed, retrying');
        lastError = undefined;
        await backoff(attempt - 1, backoffMs, options.signal);
        continue;
      }
      return { status: res.statusCode, text };
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        // A router that answers this much is not the router configured: retrying will not help.
        throw new AppError(
          'E_ROUTER_READBACK',
          `${options.target} answered ${where} with more than ${describeLimit(err.limit)}, the most the bot reads from a router. Check the router URL in the config file.`,
          { cause: err, details: { where, limit: err.limit } },
        );
      }
      lastError = err;
      options.log?.warn({ where, attempt, err: (err as Error).message }, 'router call failed');
      if (attempt < attempts) await backoff(attempt - 1, backoffMs, options.signal);
    }
  }
  const cancelled = options.signal?.aborted === true;
  const reason = cancelled
    ? 'the operation was cancelled'
    : lastError instanceof Error && lastError.name === 'TimeoutError'
      ? `no answer within ${options.timeoutMs} ms`
      : lastError instanceof Error
        ? lastError.message
        : 'unknown error';
  throw new AppError(
    'E_ROUTER_UNREACHABLE',
    `Could not reach ${options.target} (${where}) after ${made} attempt(s): ${reason}. ` +
      'Check that it is running and reachable from the bot, then retry.',
    { retryable: true, cause: lastError, details: { where, attempts: made } },
  );
}
