import pg from 'pg';
import type { Logger } from 'pino';
import { backoffDelay } from '../backoff-delay.js';
import { applicationName } from './application-name.js';
import { toStoreError } from './to-store-error.js';

/** The channel the `run_changed` triggers notify on (migration 1764160000000). */
export const RUN_CHANGED_CHANNEL = 'kong_upgrade_run_changed';

/**
 * Committed changes to runs and their audit log, as PostgreSQL announces them. A listener gets the
 * run id of each change, and `null` whenever changes may have been missed (the connection went down,
 * or came back): whoever keeps copies must then drop them all.
 */
export interface RunChangeFeed {
  /** True while changes are known to arrive: connected, and LISTEN in effect. */
  readonly live: boolean;
  /** Opens the connection on first use (idempotent); `live` turns true once it listens. */
  start(): void;
  subscribe(listener: (runId: string | null) => void): () => void;
  close(): Promise<void>;
}

export interface RunChangeFeedOptions {
  databaseUrl: string;
  log?: Logger;
  /** First reconnect wait; doubles up to 30 s (default 500 ms). */
  retryBaseMs?: number;
}

/** One dedicated connection LISTENing; reconnects with backoff, never crashes the process. */
export function createRunChangeFeed(options: RunChangeFeedOptions): RunChangeFeed {
  const { databaseUrl, log } = options;
  const listeners = new Set<(runId: string | null) => void>();
  let client: pg.Client | null = null;
  let live = false;
  let started = false;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  function emit(runId: string | null): void {
    for (const listener of listeners) {
      try {
        listener(runId);
      } catch (err) {
        log?.warn({ err }, 'run change listener failed');
      }
    }
  }

  function down(c: pg.Client, error?: unknown): void {
    if (client !== c) return;
    client = null;
    live = false;
    emit(null);
    c.end().catch(() => undefined);
    if (closed) return;
    if (error !== undefined && failures === 0)
      log?.warn(
        { err: toStoreError(error, databaseUrl, 'query') },
        'run change notifications lost; reconnecting',
      );
    retry = setTimeout(connect, backoffDelay(failures++, options.retryBaseMs ?? 500, 30_000));
    retry.unref();
  }

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client({
      connectionString: databaseUrl,
      application_name: applicationName('run changes'),
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    client = c;
    c.on('error', (error) => down(c, error));
    c.on('end', () => down(c));
    c.on('notification', (message) => {
      if (message.channel === RUN_CHANGED_CHANNEL && message.payload) emit(message.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${RUN_CHANGED_CHANNEL}`);
    } catch (error) {
      down(c, error);
      return;
    }
    if (client !== c) return;
    live = true;
    if (failures > 0) log?.info('run change notifications restored');
    failures = 0;
    // Anything kept before this point may have missed a change.
    emit(null);
    log?.debug('listening for run changes');
  }

  return {
    get live() {
      return live;
    },
    start() {
      if (started || closed) return;
      started = true;
      void connect();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      live = false;
      listeners.clear();
      await c?.end().catch(() => undefined);
    },
  };
}
