import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import type { SmokeTest } from '../config/environment-schema.js';
import { AppError } from '../errors.js';
import { maskUrl } from '../mask-url.js';
import { withTimeout } from '../with-timeout.js';

/** What one proxy answered: a status (and whether the body held the expected text), or why there was none. */
export type SmokeObservation = { status: number; bodyMatched?: boolean } | { error: string };

export interface SmokeResult {
  name: string;
  expected: { status: number; bodyContains?: string };
  x: SmokeObservation;
  y: SmokeObservation;
  /** Y meets the expectation: this is what decides. */
  pass: boolean;
  /** X misses the expectation too: the test itself (its path, key or expected status) is probably wrong. */
  xMismatch: boolean;
}

export interface RunSmokeTestsOptions {
  tests: readonly SmokeTest[];
  xProxyUrl: string;
  yProxyUrl: string;
  /** Per request. */
  timeoutMs: number;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  log?: Logger;
}

// Enough for any sensible bodyContains check, bounded so a huge answer cannot eat memory.
const MAX_BODY_BYTES = 256 * 1024;

async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_BODY_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

function describeError(err: unknown, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND') return 'host not found';
  // undici's messages name no header values, so they cannot leak an apikey.
  return err instanceof Error ? err.message : 'unknown error';
}

async function probe(
  baseUrl: string,
  test: SmokeTest,
  options: RunSmokeTestsOptions,
): Promise<SmokeObservation> {
  const { signal, deadline: timeout } = withTimeout(options.timeoutMs, options.signal);
  try {
    const res = await request(`${baseUrl}${test.request.path}`, {
      method: test.request.method,
      headers: test.request.headers,
      ...(test.request.body !== undefined ? { body: test.request.body } : {}),
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    const wanted = test.expect.bodyContains;
    if (wanted === undefined) {
      await res.body.dump();
      return { status: res.statusCode };
    }
    const text = await readCapped(res.body);
    return { status: res.statusCode, bodyMatched: text.includes(wanted) };
  } catch (err) {
    if (options.signal?.aborted) throw err;
    return { error: describeError(err, options.timeoutMs, timeout.aborted) };
  }
}

export function meetsExpectation(observed: SmokeObservation, expected: SmokeResult['expected']): boolean {
  if ('error' in observed) return false;
  return (
    observed.status === expected.status &&
    (expected.bodyContains === undefined || observed.bodyMatched === true)
  );
}

/**
 * Sends every smoke test to both proxies (X and Y at the same time, one test after another) and
 * judges Y; X is asked too so a test that is itself wrong shows up as such, not as a broken Y.
 * Each request is tried once: a smoke test checks what a client gets on the first try.
 */
export async function runSmokeTests(options: RunSmokeTestsOptions): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  for (const test of options.tests) {
    if (options.signal?.aborted) {
      throw new AppError('E_VERIFY_FAILED', 'The smoke tests were cancelled.', {
        retryable: true,
        cause: options.signal.reason,
      });
    }
    let x: SmokeObservation;
    let y: SmokeObservation;
    try {
      [x, y] = await Promise.all([
        probe(options.xProxyUrl, test, options),
        probe(options.yProxyUrl, test, options),
      ]);
    } catch (cause) {
      throw new AppError('E_VERIFY_FAILED', 'The smoke tests were cancelled.', { retryable: true, cause });
    }
    const expected =
      test.expect.bodyContains === undefined
        ? { status: test.expect.status }
        : { status: test.expect.status, bodyContains: test.expect.bodyContains };
    const pass = meetsExpectation(y, expected);
    const xMismatch = !meetsExpectation(x, expected);
    options.log?.info(
      {
        test: test.name,
        pass,
        xMismatch,
        x,
        y,
        x_proxy: maskUrl(options.xProxyUrl),
        y_proxy: maskUrl(options.yProxyUrl),
      },
      'smoke test',
    );
    results.push({ name: test.name, expected, x, y, pass, xMismatch });
  }
  return results;
}
