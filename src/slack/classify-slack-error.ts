/** What a failed Slack call means for the caller: its code, whether trying again can help, and when. */
export interface SlackFailure {
  code: string;
  retryable: boolean;
  /** From Slack's Retry-After (429), in ms; absent when Slack did not say. */
  retryAfterMs?: number;
}

/** ok:false codes that say "not now" rather than "never": the same call may succeed later. */
const RETRYABLE_PLATFORM_CODES = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * Classifies an error thrown by @slack/web-api 7 (reference/slack.md §4, §4.5):
 * - `slack_webapi_rate_limited_error` (429 with `rejectRateLimitedCalls`): retryable after `retryAfter` s;
 * - a plain Error "A rate limit was exceeded (… retry-after: N)" (429 without `rejectRateLimitedCalls`,
 *   after the SDK's own retries): the same;
 * - `slack_webapi_http_error`: 5xx, 408 and 429 retryable, other statuses not;
 * - `slack_webapi_request_error` (timeouts, refused connections): retryable;
 * - `slack_webapi_platform_error` (HTTP 200, ok:false): retryable only for rate limits and Slack's own
 *   transient errors; `message_not_found`, `is_archived`… would fail the same way again.
 */
export function classifySlackError(err: unknown): SlackFailure {
  const e = (err ?? {}) as {
    code?: unknown;
    data?: { error?: unknown };
    retryAfter?: unknown;
    statusCode?: unknown;
    message?: unknown;
  };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error': {
      const seconds = Number(e.retryAfter);
      return {
        code: 'ratelimited',
        retryable: true,
        ...(Number.isFinite(seconds) && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {}),
      };
    }
    case 'slack_webapi_platform_error': {
      const code = typeof e.data?.error === 'string' ? e.data.error : 'unknown_error';
      return { code, retryable: RETRYABLE_PLATFORM_CODES.has(code) };
    }
    case 'slack_webapi_http_error': {
      const status = Number(e.statusCode);
      return {
        code: `http_${Number.isFinite(status) ? status : 'error'}`,
        retryable: status >= 500 || status === 408 || status === 429,
      };
    }
    case 'slack_webapi_request_error':
      return { code: 'slack_webapi_request_error', retryable: true };
  }
  const message = typeof e.message === 'string' ? e.message : '';
  const limited = /rate limit was exceeded.*retry-after: (\d+)/i.exec(message);
  if (limited) return { code: 'ratelimited', retryable: true, retryAfterMs: Number(limited[1]) * 1000 };
  if (typeof e.code === 'string' && /^(ETIMEDOUT|ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE)$/.test(e.code))
    return { code: e.code, retryable: true };
  return { code: typeof e.code === 'string' ? e.code : 'unknown_error', retryable: false };
}
