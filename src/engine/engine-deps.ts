import type { Logger } from 'pino';
import type { BotConfig } from '../config/config-schema.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { Notifier } from '../slack/notifier.js';
import type { Store } from '../store/create-store.js';
import type { JobLeases } from '../store/job-leases.js';
import type { AdapterOptions } from './adapters-for.js';

/** Everything the engine and the jobs reach the outside world through; wired once in main.ts. */
export interface EngineDeps {
  store: Store;
  /** One running copy per job id (PostgreSQL session locks). */
  leases: JobLeases;
  queue: JobQueue;
  notifier: Notifier;
  config: BotConfig;
  log: Logger;
  now: () => Date;
  /** Kong client timings for the jobs' adapters; unset in production (the clients' defaults). */
  adapters?: AdapterOptions;
}
