import { backoffDelay } from '../backoff-delay.js';
import { classifySlackError, type SlackFailure } from './classify-slack-error.js';

/**
 * How much a message matters when Slack makes the bot wait: a gate or a rollback message (`urgent`)
 * goes before thread lines (`normal`), which go before progress bars, live numbers and charts (`low`).
 */
export type SlackPriority = 'urgent' | 'normal' | 'low';

const RANK: Record<SlackPriority, number> = { urgent: 0, normal: 1, low: 2 };

/** Methods that add a message to a channel: paced per channel and kept in order per channel. */
const POSTING_METHODS = new Set(['chat.postMessage', 'files.uploadV2']);

/**
 * Calls per minute per method (Slack's tiers, reference/slack.md §4): Tier 2 = 20, Tier 3 = 50,
 * Tier 4 = 100. chat.postMessage has no tier: it is paced per channel instead.
 */
export const DEFAULT_METHOD_BUDGETS: Readonly<Record<string, number>> = {
  'chat.update': 50,
  'chat.postEphemeral': 100,
  'chat.getPermalink': 100,
  'conversations.info': 50,
  'usergroups.users.list': 20,
  'files.uploadV2': 50,
};

export interface SlackCall {
  method: string;
  channel?: string;
  priority: SlackPriority;
}

export interface SlackCallSchedulerOptions {
  now?: () => number;
  /** Messages per channel: a short burst, then this many per second (Slack: about 1/s). */
  channelBurst?: number;
  channelPerSecond?: number;
  /** Calls per minute per method; methods not listed are not budgeted. */
  methodBudgets?: Readonly<Record<string, number>>;
  /** Tries per call (first one included) for retryable failures. */
  maxAttempts?: number;
  /** Calls in flight at once, across channels. */
  maxConcurrent?: number;
  /** First backoff for a retryable failure without Retry-After. */
  backoffBaseMs?: number;
  classify?: (err: unknown) => SlackFailure;
  /** Every failed try, retried or not (for logs). */
  onAttemptFailed?: (call: SlackCall, failure: SlackFailure, attempt: number, willRetry: boolean) => void;
}

export interface SlackCallScheduler {
  /** Runs `fn` when Slack's limits allow, retrying retryable failures; rejects with the last error. */
  run<T>(call: SlackCall, fn: () => Promise<T>): Promise<T>;
  /** Calls waiting or in flight (for tests and metrics). */
  pending(): number;
}

interface Task {
  call: SlackCall;
  seq: number;
  notBefore: number;
  attempts: number;
  fn: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** A token bucket: `capacity` at once, refilled at `perMs` tokens per ms. */
function bucket(capacity: number, perMs: number, now: number) {
  let tokens = capacity;
  let at = now;
  const refill = (t: number) => {
    tokens = Math.min(capacity, tokens + (t - at) * perMs);
    at = t;
  };
  return {
    readyAt(t: number): number {
      refill(t);
      return tokens >= 1 ? t : t + Math.ceil((1 - tokens) / perMs);
    },
    take(t: number): void {
      refill(t);
      tokens -= 1;
    },
  };
}

/**
 * The one place Slack's limits are honoured, so that one rate-limited method or channel never holds up
 * another: a 429 blocks only its method (and, for posts, its channel) until Retry-After has passed;
 * posts are paced per channel and kept in order there; each method keeps within its tier's budget; and
 * among calls that may go now the most urgent goes first. The SDK's own queue pause and retries are
 * turned off (`rejectRateLimitedCalls`, `retries: 0`) so they cannot block everything behind one 429.
 */
export function createSlackCallScheduler(options: SlackCallSchedulerOptions = {}): SlackCallScheduler {
  const now = options.now ?? Date.now;
  const burst = options.channelBurst ?? 3;
  const perSecond = options.channelPerSecond ?? 1;
  const budgets = options.methodBudgets ?? DEFAULT_METHOD_BUDGETS;
  const maxAttempts = options.maxAttempts ?? 5;
  const maxConcurrent = options.maxConcurrent ?? 8;
  const backoffBaseMs = options.backoffBaseMs ?? 500;
  const classify = options.classify ?? classifySlackError;

  const queue: Task[] = [];
  const blockedUntil = new Map<string, number>();
  const channelBuckets = new Map<string, ReturnType<typeof bucket>>();
  const methodBuckets = new Map<string, ReturnType<typeof bucket>>();
  const postingChannels = new Set<string>();
  let inFlight = 0;
  let seq = 0;
  let timer: NodeJS.Timeout | null = null;
  let timerAt = Number.POSITIVE_INFINITY;

  const postingChannel = (call: SlackCall) =>
    POSTING_METHODS.has(call.method) && call.channel ? call.channel : null;
  const blockKey = (call: SlackCall) => {
    const channel = postingChannel(call);
    // Posting limits are per channel; other methods' tiers are per method.
    return channel ? `${call.method}|${channel}` : call.method;
  };
  const channelBucket = (channel: string, t: number) => {
    let b = channelBuckets.get(channel);
    if (!b) {
      b = bucket(burst, perSecond / 1000, t);
      channelBuckets.set(channel, b);
    }
    return b;
  };
  const methodBucket = (method: string, t: number) => {
    const perMinute = budgets[method];
    if (perMinute === undefined) return null;
    let b = methodBuckets.get(method);
    if (!b) {
      // A sixth of a minute's budget at once, the rest spread over the minute.
      b = bucket(Math.max(1, Math.floor(perMinute / 6)), perMinute / 60_000, t);
      methodBuckets.set(method, b);
    }
    return b;
  };

  const readyAt = (task: Task, t: number): number => {
    let at = Math.max(task.notBefore, blockedUntil.get(blockKey(task.call)) ?? 0);
    const channel = postingChannel(task.call);
    if (channel) at = Math.max(at, channelBucket(channel, t).readyAt(t));
    const mb = methodBucket(task.call.method, t);
    if (mb) at = Math.max(at, mb.readyAt(t));
    return at;
  };

  const wakeAt = (at: number) => {
    if (at >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(
      () => {
        timer = null;
        timerAt = Number.POSITIVE_INFINITY;
        pump();
      },
      Math.max(0, at - now()),
    );
    timer.unref();
  };

  function pump(): void {
    const t = now();
    queue.sort((a, b) => RANK[a.call.priority] - RANK[b.call.priority] || a.seq - b.seq);
    // Posts of one channel go one at a time, in order: only the first waiting one may go.
    const channelHead = new Set<string>();
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < queue.length && inFlight < maxConcurrent; ) {
      const task = queue[i] as Task;
      const channel = postingChannel(task.call);
      if (channel) {
        if (channelHead.has(channel) || postingChannels.has(channel)) {
          i++;
          continue;
        }
        channelHead.add(channel);
      }
      const at = readyAt(task, t);
      if (at > t) {
        next = Math.min(next, at);
        i++;
        continue;
      }
      queue.splice(i, 1);
      start(task, t);
    }
    if (next < Number.POSITIVE_INFINITY) wakeAt(next);
  }

  function start(task: Task, t: number): void {
    const channel = postingChannel(task.call);
    if (channel) {
      channelBucket(channel, t).take(t);
      postingChannels.add(channel);
    }
    methodBucket(task.call.method, t)?.take(t);
    inFlight++;
    task.attempts++;
    void task
      .fn()
      .then(
        (value) => task.resolve(value),
        (err: unknown) => {
          const failure = classify(err);
          const retry = failure.retryable && task.attempts < maxAttempts;
          options.onAttemptFailed?.(task.call, failure, task.attempts, retry);
          if (!retry) return task.reject(err);
          const at = now();
          if (failure.retryAfterMs !== undefined) {
            const until = at + failure.retryAfterMs;
            const key = blockKey(task.call);
            blockedUntil.set(key, Math.max(blockedUntil.get(key) ?? 0, until));
            task.notBefore = until;
          } else {
            task.notBefore = at + backoffDelay(task.attempts - 1, backoffBaseMs, 5_000);
          }
          queue.push(task);
        },
      )
      .finally(() => {
        inFlight--;
        if (channel) postingChannels.delete(channel);
        pump();
      });
  }

  return {
    run<T>(call: SlackCall, fn: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({
          call,
          seq: seq++,
          notBefore: 0,
          attempts: 0,
          fn,
          resolve: resolve as (v: unknown) => void,
          reject,
        });
        pump();
      });
    },
    pending: () => queue.length + inFlight,
  };
}
