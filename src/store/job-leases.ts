import pg from 'pg';
import type { Logger } from 'pino';
import { AppError, isAppError } from '../errors.js';
import { applicationName } from './application-name.js';
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
  /**
   * How long a lease query may go unanswered before the connection is given up (default 10 s): a
   * connection a NAT or load balancer dropped silently would otherwise hang every lease of the process,
   * and the `release` at the end of each job.
   */
  queryTimeoutMs?: number;
}

const LOCK_KEY = "hashtextextended('kong-upgrade-bot:job:' || $1, 0)";

export function createJobLeases(options: JobLeasesOptions): JobLeases {
  const { databaseUrl, log } = options;
  const busyWaitMs = options.busyWaitMs ?? 15_000;
  const retryMs = options.retryMs ?? 250;
  const queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
  // Job ids this process holds. Advisory locks are re-entrant within a session, so a second copy of
  // a job in this same process would get the lock again: this set refuses it. An id stays here until
  // its copy releases it, even if the connection is lost meanwhile (that copy is still running).
  const held = new Set<string>();
  // The connection of this process's leases: `client` is known at once, `ready` once it is connected.
  let session: { client: pg.Client; ready: Promise<pg.Client> } | null = null;
  let closed = false;

  /** Forgets the connection (if it is still the current one) so the next lease opens another. */
  function drop(client: pg.Client): boolean {
    if (session?.client !== client) return false;
    session = null;
    return true;
  }

  function connection(): Promise<pg.Client> {
    if (session) return session.ready;
    // Keep-alive probes keep an idle lease connection (a job can run for an hour) open through NATs.
    const client = new pg.Client({
      connectionString: databaseUrl,
      application_name: applicationName('job leases'),
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
    });
    // A lost connection takes its leases with it (PostgreSQL released them); the next lease opens a
    // new one. The jobs' own queries report the outage.
    const lost = (error?: Error) => {
      if (!drop(client) || closed) return;
      log?.warn(
        { err: error ? toStoreError(error, databaseUrl, 'query') : undefined, held: [...held] },
        'job lease connection lost',
      );
    };
    client.on('error', lost);
    client.on('end', () => lost());
    const ready = client.connect().then(
      () => client,
      (error: unknown) => {
        drop(client);
        throw toStoreError(error, databaseUrl, 'connect');
      },
    );
    session = { client, ready };
    return ready;
  }

  /** A lease query with a deadline; a connection that misses it is given up. */
  async function leaseQuery(client: pg.Client, sql: string, jobId: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        drop(client);
        client.end().catch(() => undefined);
        reject(
          new AppError(
            'E_STORE_UNAVAILABLE',
            `PostgreSQL did not answer a job lease query within ${queryTimeoutMs / 1000} s; the lease connection was given up and the job will be tried again.`,
            { retryable: true, details: { jobId } },
          ),
        );
      }, queryTimeoutMs);
    });
    try {
      const { rows } = await Promise.race([client.query<{ ok: boolean }>(sql, [jobId]), deadline]);
      return rows[0]?.ok === true;
    } finally {
      clearTimeout(timer);
    }
  }

  async function tryOnce(jobId: string): Promise<JobLease | null> {
    if (closed) throw new Error('job leases are closed');
    if (held.has(jobId)) return null;
    held.add(jobId);
    let client: pg.Client;
    try {
      client = await connection();
      if (!(await leaseQuery(client, `SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`, jobId))) {
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
        if (session?.client === client)
          await leaseQuery(client, `SELECT pg_advisory_unlock(${LOCK_KEY}) AS ok`, jobId).catch(
            () => undefined,
          );
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
      await current?.ready.then((client) => client.end()).catch(() => undefined);
    },
  };
}
