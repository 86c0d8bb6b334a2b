import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import { backoffDelay, MAX_BACKOFF_MS } from '../backoff-delay.js';
import { excerpt } from '../clip-text.js';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { parseJsonAs } from '../parse-json-as.js';
import { BodyTooLargeError, describeLimit, readCappedText } from '../read-capped-text.js';
import { sleep } from '../sleep.js';
import { withTimeout } from '../with-timeout.js';

export interface KongHttpOptions {
  adminUrl: string;
  adminToken?: string;
  /** Which cluster this is ("X", "Y"), so messages say whose Admin API failed. */
  label?: string;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  log?: Logger;
  dispatcher?: Dispatcher;
  /** Largest answer read (default 32 MiB: a page of 1,000 large entities fits many times over). */
  maxBodyBytes?: number;
}

export const DEFAULT_KONG_MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface KongGetOptions {
  signal?: AbortSignal;
  /** Resolve to undefined on 404 instead of throwing (a collection whose plugin is not loaded). */
  allow404?: boolean;
}

export interface KongHttp {
  /** Masked base URL, for messages. */
  readonly cluster: string;
  /** Sentence start for messages: "X's Kong Admin API at <masked url>" (or "The Kong Admin API at …"). */
  readonly subject: string;
  /** GET `pathAndQuery` (relative to the admin URL, starting with `/`) and parse the JSON body. */
  getJson(pathAndQuery: string, options?: KongGetOptions): Promise<unknown>;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

const kongErrorSchema = z.object({ message: z.string() });

/** Kong error bodies carry `message`; keep it short and on one line. */
function kongMessage(text: string): string {
  const message = parseJsonAs(kongErrorSchema, text)?.message;
  return message === undefined ? '' : ` Kong said: "${excerpt(message)}".`;
}

/** The endpoint for messages: path only, never the offset token or other query values. */
function endpointOf(pathAndQuery: string): string {
  return `GET ${pathAndQuery.split('?')[0] ?? pathAndQuery}`;
}

/** Low-level GET-JSON with timeout, bounded retries and typed errors; shared by the KongAdmin methods. */
export function createKongHttp(options: KongHttpOptions): KongHttp {
  let base: URL;
  try {
    base = new URL(options.adminUrl);
  } catch (cause) {
    throw new AppError(
      'E_INVALID_INPUT',
      `The Kong admin URL "${maskUrl(options.adminUrl)}" is not a valid URL.`,
      {
        cause,
      },
    );
  }
  const cluster = maskUrl(options.adminUrl);
  const subject = `${options.label ? `${options.label}'s` : 'The'} Kong Admin API at ${cluster}`;
  const basePath = base.pathname.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'kong-upgrade-bot' };
  if (options.adminToken) headers['kong-admin-token'] = options.adminToken;
  if (base.username || base.password) {
    // Credentials in the URL become a Basic header so they never travel in a logged request line.
    const user = decodeURIComponent(base.username);
    const pass = decodeURIComponent(base.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  const origin = base.origin;

  async function once(pathAndQuery: string, opts: KongGetOptions): Promise<unknown> {
    const endpoint = endpointOf(pathAndQuery);
    const details = { cluster, endpoint };
    const { signal, deadline: timeout } = withTimeout(options.timeoutMs, opts.signal);
    let status: number;
    let text: string;
    let retryAfter: string | string[] | undefined;
    try {
      const res = await request(`${origin}${basePath}${pathAndQuery}`, {
        method: 'GET',
        headers,
        signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      });
      status = res.statusCode;
      retryAfter = res.headers['retry-after'];
      text = await readCappedText(res.body, options.maxBodyBytes ?? DEFAULT_KONG_MAX_BODY_BYTES);
    } catch (cause) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (cause instanceof BodyTooLargeError) {
        throw new AppError(
          'E_KONG_BAD_RESPONSE',
          `${subject} answered ${endpoint} with more than ${describeLimit(cause.limit)}, the most the bot reads from one Admin API response. Check that adminUrl points at a Kong Admin API (not a proxy that serves something else).`,
          { cause, details: { ...details, limit: cause.limit } },
        );
      }
      if (timeout.aborted || TIMEOUT_CODES.has(errorCode(cause) ?? '')) {
        throw new AppError(
          'E_KONG_TIMEOUT',
          `${subject} did not answer ${endpoint} within ${options.timeoutMs} ms. Check that the node is healthy and not overloaded.`,
          { retryable: true, cause, details },
        );
      }
      throw new AppError(
        'E_KONG_UNREACHABLE',
        `${subject} could not be reached for ${endpoint} (${errorCode(cause) ?? 'network error'}). Check the adminUrl in the config file and that the node is running and reachable from the bot.`,
        { retryable: true, cause, details: { ...details, errno: errorCode(cause) } },
      );
    }

    if (status === 401 || status === 403) {
      throw new AppError(
        'E_KONG_UNAUTHORIZED',
        `${subject} refused ${endpoint} with HTTP ${status}. Check the adminToken configured for this cluster (sent as the Kong-Admin-Token header) and its RBAC permissions.`,
        { details: { ...details, status } },
      );
    }
    if (status === 404 && opts.allow404) return undefined;
    if (status === 429 || status >= 500) {
      const seconds = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
      throw new AppError(
        'E_KONG_UNREACHABLE',
        `${subject} answered ${endpoint} with HTTP ${status}.${kongMessage(text)} The node or its database may be overloaded or down; check the node's logs.`,
        {
          retryable: true,
          details: {
            ...details,
            status,
            ...(Number.isFinite(seconds) ? { retryAfterSeconds: seconds } : {}),
          },
        },
      );
    }
    if (status < 200 || status >= 300) {
      throw new AppError(
        'E_KONG_BAD_RESPONSE',
        `${subject} answered ${endpoint} with unexpected HTTP ${status}.${kongMessage(text)} Check that the adminUrl points at a Kong Admin API of a supported version.`,
        { details: { ...details, status } },
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new AppError(
        'E_KONG_BAD_RESPONSE',
        `${subject} answered ${endpoint} with a body that is not JSON. Check that the adminUrl points at the Kong Admin API and not at a proxy or web page.`,
        { cause, details: { ...details, status } },
      );
    }
  }

  async function getJson(pathAndQuery: string, opts: KongGetOptions = {}): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await once(pathAndQuery, opts);
      } catch (err) {
        if (!(err instanceof AppError) || !err.retryable || attempt >= options.retries) throw err;
        const hinted = err.details.retryAfterSeconds;
        // A server's Retry-After wins when it is sane.
        const delay =
          typeof hinted === 'number' && hinted >= 0 && hinted * 1000 <= MAX_BACKOFF_MS
            ? hinted * 1000
            : backoffDelay(attempt, options.backoffMs);
        options.log?.warn(
          {
            cluster,
            endpoint: err.details.endpoint,
            code: err.code,
            attempt: attempt + 1,
            delayMs: Math.round(delay),
          },
          'Kong Admin API call failed; retrying',
        );
        await sleep(delay, opts.signal);
      }
    }
  }

  return { cluster, subject, getJson };
}
