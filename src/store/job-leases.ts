import pg from 'pg';
import type { Logger } from 'pino';
import { isAppError } from '../errors.js';
import { toStoreError } from './to-store-error.js';

/** Held while one copy of a job runs; `release` lets the next copy in. */
export interface JobLease {
  release(): Promise<void>;
}

/**
 * One running copy per job id, enforced by PostgreSQL rather than by Redis alone: a Redis that lost
 * its data (flush, failover) lets the reconciler enqueue a job again while its first copy still runs,
 * and a backup or a weight change must not run twice at once. Each lease is a session advisory lock,
 * held for the whole job, on one connection per process (not the pool's: long jobs would starve it);
 * a worker that dies drops that connection, and with it its leases.
 */
export interface JobLeases {
  /**
   * The lease, or null when another copy of the job holds it. With `wait`, a taken lease is tried
   * again for a while first: a worker killed a moment ago still holds its lease until PostgreSQL has
   * noticed its connection is gone, and the copy BullMQ hands over must not give the step up for that.
   */
  tryAcquire(jobId: string, options?: { wait?: boolean; signal?: AbortSignal }): Promise<JobLease | null>;
  /** Ends the connection, and with it every lease still held. */
  close(): Promise<void>;
}

export interface JobLeasesOptions {
  databaseUrl: string;
  log?: Logger;
  /** How long `wait` keeps trying a taken lease (default 15 s: far longer than a dead session lingers). */
  busyWaitMs?: number;
  /** Between tries (default 250 ms). */
  retryMs?: number;
}

const LOCK_KEY = "hashtextextended('kong-upgrade-bot:job:' || $1, 0)";

export function createJobLeases(options: JobLeasesOptions): JobLeases {
  const { databaseUrl, log } = options;
  const busyWaitMs = options.busyWaitMs ?? 15_000;
  const retryMs = options.retryMs ?? 250;
  // Job ids this process holds. Advisory locks are re-entrant within a session, so a second copy of
  // a job in this same process would get the lock again: this set refuses it. An id stays here until
  // its copy releases it, even if the connection is lost meanwhile (that copy is still running).
  const held = new Set<string>();
  let session: Promise<pg.Client> | null = null;
  let closed = false;

  function connection(): Promise<pg.Client> {
    if (session) return session;
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
    const current: Promise<pg.Client> = client.connect().then(
      () => client,
      (error: unknown) => {
        if (session === current) session = null;
        throw toStoreError(error, databaseUrl, 'connect');
      },
    );
    // A lost connection takes its leases with it (PostgreSQL released them); the next lease opens a
    // new one. The jobs' own queries report the outage.
    const lost = (error?: Error) => {
      if (session !== current) return;
      session = null;
      if (!closed)
        log?.warn(
          { err: error ? toStoreError(error, databaseUrl, 'query') : undefined, held: [...held] },
          'job lease connection lost',
        );
    };
    client.on('error', lost);
    client.on('end', () => lost());
    session = current;
    return current;
  }

  async function tryOnce(jobId: string): Promise<JobLease | null> {
    if (closed) throw new Error('job leases are closed');
    if (held.has(jobId)) return null;
    held.add(jobId);
    let client: pg.Client;
    try {
      client = await connection();
      const { rows } = await client.query<{ held: boolean }>(
        `SELECT pg_try_advisory_lock(${LOCK_KEY}) AS held`,
        [jobId],
      );
      if (rows[0]?.held !== true) {
        held.delete(jobId);
        return null;
      }
    } catch (error) {
      held.delete(jobId);
      throw isAppError(error) ? error : toStoreError(error, databaseUrl, 'query');
    }
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        held.delete(jobId);
        // Unlocked on the connection that took it; a lost one has released it already.
        if (session && (await session.catch(() => null)) === client)
          await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [jobId]).catch(() => undefined);
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
    async close() {
      closed = true;
      const current = session;
      session = null;
      const client = await current?.catch(() => null);
      await client?.end().catch(() => undefined);
    },
  };
}
