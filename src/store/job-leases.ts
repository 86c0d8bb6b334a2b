import pg from 'pg';
import type { Logger } from 'pino';
import { toStoreError } from './to-store-error.js';

/** Held while one copy of a job runs; `release` lets the next copy in. */
export interface JobLease {
  release(): Promise<void>;
}

/**
 * One running copy per job id, enforced by PostgreSQL rather than by Redis alone: a Redis that lost
 * its data (flush, failover) lets the reconciler enqueue a job again while its first copy still runs,
 * and a backup or a weight change must not run twice at once. A session advisory lock on a connection
 * of its own (not the pool's: long jobs would starve it) is held for the whole job; a worker that dies
 * drops its connection, and with it the lease.
 */
export interface JobLeases {
  /**
   * The lease, or null when another copy of the job holds it. With `wait`, a taken lease is tried
   * again for a while first: a worker killed a moment ago still holds its lease until PostgreSQL has
   * noticed its connection is gone, and the copy BullMQ hands over must not give the step up for that.
   */
  tryAcquire(jobId: string, options?: { wait?: boolean; signal?: AbortSignal }): Promise<JobLease | null>;
}

export interface JobLeasesOptions {
  databaseUrl: string;
  log?: Logger;
  /** How long `wait` keeps trying a taken lease (default 15 s: far longer than a dead session lingers). */
  busyWaitMs?: number;
  /** Between tries (default 250 ms). */
  retryMs?: number;
}

export function createJobLeases(options: JobLeasesOptions): JobLeases {
  const { databaseUrl, log } = options;
  const busyWaitMs = options.busyWaitMs ?? 15_000;
  const retryMs = options.retryMs ?? 250;

  async function tryOnce(jobId: string): Promise<JobLease | null> {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
    // A lease whose connection breaks is simply gone; the job's own queries report the outage.
    client.on('error', (error) => {
      log?.warn({ err: toStoreError(error, databaseUrl, 'query'), jobId }, 'job lease connection lost');
    });
    try {
      await client.connect();
    } catch (error) {
      throw toStoreError(error, databaseUrl, 'connect');
    }
    try {
      const { rows } = await client.query<{ held: boolean }>(
        "SELECT pg_try_advisory_lock(hashtextextended('kong-upgrade-bot:job:' || $1, 0)) AS held",
        [jobId],
      );
      if (rows[0]?.held !== true) {
        await client.end();
        return null;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw toStoreError(error, databaseUrl, 'query');
    }
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        // Closing the session releases its advisory locks.
        await client.end().catch(() => undefined);
      },
    };
  }

  return {
    async tryAcquire(jobId, { wait = false, signal } = {}) {
      const deadline = Date.now() + (wait ? busyWaitMs : 0);
      for (;;) {
        const lease = await tryOnce(jobId);
        if (lease || Date.now() + retryMs > deadline || signal?.aborted) return lease;
        await new Promise((resolve) => setTimeout(resolve, retryMs));
      }
    },
  };
}
