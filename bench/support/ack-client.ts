/**
 * The ack benchmark's load client, run in its own process (as Slack is another machine): the bot's event
 * loop then handles only the bot's work, and each response is timed when it really arrives rather than
 * when a shared loop gets round to it. Parent → child: `{ id, url, requests, expect }`; child → parent:
 * `{ id, latencies }` or `{ id, error }`.
 */
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { request } from 'undici';

const REQUEST_TIMEOUT_MS = 10_000;

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** Sends all requests at once; latency of each from send to the last byte of its response, in ms. */
export async function fireRound(
  url: string,
  requests: readonly SignedRequest[],
  isExpected: (body: string) => boolean,
): Promise<number[]> {
  return Promise.all(
    requests.map(async ({ body, headers }) => {
      const started = performance.now();
      const res = await request(url, {
        method: 'POST',
        body,
        headers,
        headersTimeout: REQUEST_TIMEOUT_MS,
        bodyTimeout: REQUEST_TIMEOUT_MS,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.body.text();
      const ms = performance.now() - started;
      // A fast error reply would flatter the bot: every answer must be the real one.
      if (res.statusCode !== 200 || !isExpected(text))
        throw new Error(`unexpected reply from ${url}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
      return ms;
    }),
  );
}

interface RoundMessage {
  id: number;
  url: string;
  requests: SignedRequest[];
  /** A reply is the expected one when its body contains any of these. */
  expect: string[];
}

type ReplyMessage = { id: number; latencies: number[] } | { id: number; error: string };

export interface AckClient {
  /** One round fired from the client process; rejects with the client's error. */
  fire(url: string, requests: SignedRequest[], expect: string[]): Promise<number[]>;
  close(): Promise<void>;
}

/** Starts the client process (this file, run by Node with tsx's loader) and waits until it is ready. */
export async function startAckClient(): Promise<AckClient> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (l: number[]) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited: Error | null = null;
  child.on('message', (message: ReplyMessage | 'ready') => {
    if (message === 'ready') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (!waiter) return;
    if ('error' in message) waiter.reject(new Error(message.error));
    else waiter.resolve(message.latencies);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`the ack load client exited (code ${code}, signal ${signal})`);
    for (const waiter of pending.values()) waiter.reject(exited);
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', () => reject(exited ?? new Error('the ack load client did not start')));
  });
  return {
    fire(url, requests, expect) {
      if (exited) return Promise.reject(exited);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, url, requests, expect } satisfies RoundMessage);
      });
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await gone;
    },
  };
}

if (process.send && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const send = process.send.bind(process);
  process.on('message', (message: RoundMessage) => {
    const isExpected = (body: string) => message.expect.some((s) => body.includes(s));
    fireRound(message.url, message.requests, isExpected).then(
      (latencies) => send({ id: message.id, latencies } satisfies ReplyMessage),
      (err: Error) => send({ id: message.id, error: err.message } satisfies ReplyMessage),
    );
  });
  // Exits once the parent disconnects (the IPC channel is the only thing keeping it alive).
  process.on('disconnect', () => process.exit(0));
  send('ready');
}
