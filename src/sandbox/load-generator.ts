import type { Logger } from 'pino';
import { Pool } from 'undici';
import { AppError } from '../errors.js';

/**
 * A steady request loop for the sandbox: `ratePerSecond` requests spread evenly over time against the
 * balancer, cycling through `paths`, over a few keep-alive connections. It never has more than
 * `maxInFlight` requests open (a tick that finds them all busy skips its request and counts it), and
 * counts failures instead of throwing. Loopback only: it is a sandbox tool, not a load-testing tool.
 */

export interface LoadPath {
  path: string;
  headers?: Record<string, string>;
}

export interface LoadGeneratorOptions {
  /** e.g. the balancer's url, `http://127.0.0.1:PORT`. */
  url: string;
  ratePerSecond: number;
  paths: LoadPath[];
  signal?: AbortSignal;
  /** Default 8. */
  maxInFlight?: number;
  /** Per-request timeout; default 5 s. */
  timeoutMs?: number;
  log?: Logger;
}

export interface LoadStats {
  sent: number;
  completed: number;
  /** Responses by status code, e.g. `{ "200": 95, "401": 3, "503": 2 }`. */
  byStatus: Record<string, number>;
  /** Requests that got no response (refused, reset, timed out). */
  failed: number;
  /** Ticks that found `maxInFlight` requests still open. */
  skipped: number;
  inFlight: number;
}

export interface LoadGenerator {
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
  stats(): LoadStats;
}

const TICK_MS = 20;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function startLoadGenerator(opts: LoadGeneratorOptions): LoadGenerator {
  const target = parseTarget(opts.url);
  if (!Number.isFinite(opts.ratePerSecond) || opts.ratePerSecond <= 0 || opts.ratePerSecond > 10_000)
    throw new AppError(
      'E_INVALID_INPUT',
      `ratePerSecond must be between 0 and 10,000; got ${opts.ratePerSecond}.`,
    );
  if (opts.paths.length === 0)
    throw new AppError('E_INVALID_INPUT', 'The load generator needs at least one path to request.');
  const maxInFlight = opts.maxInFlight ?? 8;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const pool = new Pool(target.origin, { connections: maxInFlight, keepAliveTimeout: 10_000 });
  const stats: LoadStats = { sent: 0, completed: 0, byStatus: {}, failed: 0, skipped: 0, inFlight: 0 };
  const inFlight = new Set<Promise<void>>();
  const startedAt = Date.now();
  let due = 0;
  let next = 0;
  let stopped = false;

  const fire = () => {
    const item = opts.paths[next % opts.paths.length] ?? { path: '/' };
    next += 1;
    stats.sent += 1;
    stats.inFlight += 1;
    const p = (async () => {
      try {
        const res = await pool.request({
          path: item.path,
          method: 'GET',
          headers: item.headers ?? {},
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.body.dump();
        stats.completed += 1;
        const key = String(res.statusCode);
        stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
      } catch (error) {
        stats.failed += 1;
        opts.log?.debug({ err: error, path: item.path }, 'load generator: request failed');
      } finally {
        stats.inFlight -= 1;
      }
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  // Catch up to the schedule each tick (timers drift), but never beyond the in-flight bound.
  const tick = () => {
    const shouldHaveSent = Math.floor(((Date.now() - startedAt) / 1000) * opts.ratePerSecond);
    while (due < shouldHaveSent) {
      due += 1;
      if (stats.inFlight >= maxInFlight) stats.skipped += 1;
      else fire();
    }
  };
  const timer = setInterval(tick, TICK_MS);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled([...inFlight]);
    await pool.close();
  };
  const onAbort = () => void stop();
  if (opts.signal?.aborted) void stop();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  return {
    stop,
    stats: () => ({ ...stats, byStatus: { ...stats.byStatus } }),
  };
}

function parseTarget(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('E_INVALID_INPUT', `The load generator's url is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' || !LOOPBACK.has(parsed.hostname))
    throw new AppError(
      'E_INVALID_INPUT',
      `The load generator only sends to http on this machine (127.0.0.1, localhost, ::1); got ${parsed.origin}.`,
    );
  return parsed;
}
