import { describe, expect, it } from 'vitest';
import { classifySlackError } from '../../src/slack/classify-slack-error.js';
import { createSlackCallScheduler } from '../../src/slack/slack-call-scheduler.js';

describe('classifySlackError', () => {
  it.each([
    [
      { code: 'slack_webapi_rate_limited_error', retryAfter: 3 },
      { code: 'ratelimited', retryable: true, retryAfterMs: 3000 },
    ],
    // What @slack/web-api 7 throws after its own 429 retries when rejectRateLimitedCalls is off.
    [
      new Error('A rate limit was exceeded (url: chat.postMessage, retry-after: 2)'),
      { code: 'ratelimited', retryable: true, retryAfterMs: 2000 },
    ],
    [
      { code: 'slack_webapi_platform_error', data: { error: 'rate_limited' } },
      { code: 'rate_limited', retryable: true },
    ],
    [
      { code: 'slack_webapi_platform_error', data: { error: 'ratelimited' } },
      { code: 'ratelimited', retryable: true },
    ],
    [
      { code: 'slack_webapi_http_error', statusCode: 502 },
      { code: 'http_502', retryable: true },
    ],
    [
      { code: 'slack_webapi_http_error', statusCode: 404 },
      { code: 'http_404', retryable: false },
    ],
    [{ code: 'slack_webapi_request_error' }, { code: 'slack_webapi_request_error', retryable: true }],
    [
      { code: 'slack_webapi_platform_error', data: { error: 'message_not_found' } },
      { code: 'message_not_found', retryable: false },
    ],
    [
      { code: 'slack_webapi_platform_error', data: { error: 'is_archived' } },
      { code: 'is_archived', retryable: false },
    ],
    [new Error('boom'), { code: 'unknown_error', retryable: false }],
  ])('%o → %o', (err, expected) => {
    expect(classifySlackError(err)).toEqual(expected);
  });
});

describe('createSlackCallScheduler', () => {
  it('keeps each method within its budget per minute (a sixth at once, then spread)', async () => {
    const s = createSlackCallScheduler({ methodBudgets: { 'chat.update': 120 } });
    const started = Date.now();
    const at: number[] = [];
    await Promise.all(
      Array.from({ length: 22 }, () =>
        s.run({ method: 'chat.update', priority: 'low' }, async () => {
          at.push(Date.now() - started);
        }),
      ),
    );
    // 20 at once, then 2 per second.
    expect(at.filter((t) => t < 200)).toHaveLength(20);
    expect(at[21]).toBeGreaterThanOrEqual(900);
  });

  it('a 429 blocks only its own method; urgent calls go before low ones that are ready', async () => {
    const s = createSlackCallScheduler({ maxConcurrent: 1 });
    const order: string[] = [];
    let first = true;
    const limited = s.run({ method: 'chat.update', priority: 'low' }, async () => {
      if (first) {
        first = false;
        throw { code: 'slack_webapi_rate_limited_error', retryAfter: 1 };
      }
      order.push('update');
    });
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await s.run({ method: 'chat.postMessage', channel: 'C1', priority: 'urgent' }, async () => {
      order.push('gate');
    });
    expect(Date.now() - started).toBeLessThan(200);
    await limited;
    expect(order).toEqual(['gate', 'update']);
  });

  it('gives up after maxAttempts and rejects with the last error; not-retryable errors are not retried', async () => {
    const s = createSlackCallScheduler({ maxAttempts: 3, backoffBaseMs: 1 });
    let calls = 0;
    const err = await s
      .run({ method: 'chat.postMessage', channel: 'C2', priority: 'normal' }, async () => {
        calls++;
        throw { code: 'slack_webapi_http_error', statusCode: 500 };
      })
      .catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(err).toMatchObject({ statusCode: 500 });
    calls = 0;
    await s
      .run({ method: 'chat.update', priority: 'normal' }, async () => {
        calls++;
        throw { code: 'slack_webapi_platform_error', data: { error: 'message_not_found' } };
      })
      .catch(() => undefined);
    expect(calls).toBe(1);
    expect(s.pending()).toBe(0);
  });
});
