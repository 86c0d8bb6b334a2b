import { type AuditLog, createAuditLog } from './audit-log.js';
import { type BackupStore, createBackupStore } from './backup-store.js';
import type { Db } from './db.js';
import { createEventLog, type EventLog } from './event-log.js';
import { createFreezeDigestStore, type FreezeDigestStore } from './freeze-digest-store.js';
import { createGateStore, type GateStore } from './gate-store.js';
import { createHomeViewerStore, type HomeViewerStore } from './home-viewer-store.js';
import { createLookupCache } from './lookup-cache.js';
import { createMetricSampleStore, type MetricSampleStore } from './metric-sample-store.js';
import { createRouterLock, type RouterLock } from './router-lock.js';
import type { RunChangeFeed } from './run-change-feed.js';
import { createRunReadCache } from './run-read-cache.js';
import { createRunStore, type RunStore } from './run-store.js';
import type { StoreOptions } from './store-options.js';
import { createThreadOutbox, type ThreadOutbox } from './thread-outbox.js';

/** Every repository over one Db handle, for wiring in main.ts. */
export interface Store {
  runs: RunStore;
  events: EventLog;
  gates: GateStore;
  samples: MetricSampleStore;
  backups: BackupStore;
  outbox: ThreadOutbox;
  /** Serialises router writes per environment. */
  routerLock: RouterLock;
  /** Audited facts that belong to no run. */
  audit: AuditLog;
  /** X's table digests at the freeze, for fast drift checks. */
  freezeDigests: FreezeDigestStore;
  /** Who opened the App Home tab recently. */
  homeViewers: HomeViewerStore;
}

export interface CreateStoreOptions extends StoreOptions {
  /**
   * When given, the `status` reads (`runs.getRunWithRecentEvents` and `runs.newestActiveRunInChannel`)
   * are answered from memory while this feed is live, and each copy is dropped as soon as a change
   * could alter it.
   */
  runChanges?: RunChangeFeed;
  /**
   * The connections router locks are held and waited for on (default: `db`). Give it its own small
   * pool: a job waiting for an environment's router lock holds a connection the whole time, and the
   * holder must still get one from the main pool to finish (waiters must never starve the holder).
   */
  routerLockDb?: Db;
}

export function createStore(db: Db, options: CreateStoreOptions = {}): Store {
  const { runChanges, routerLockDb, ...rest } = options;
  const storeOptions: StoreOptions & { routerLockDb?: Db } = {
    ...rest,
    ...(routerLockDb ? { routerLockDb } : {}),
  };
  if (!runChanges) return repositories(db, storeOptions);
  let invalidateAll: () => void = () => undefined;
  // Only repositories that write runs or their events drop the copies; samples, backups and the
  // outbox touch neither, and a thread line posted must not empty the cache.
  const watched = repositories(
    observeWrites(db, () => invalidateAll()),
    storeOptions,
  );
  const repos = { ...watched, ...unwatched(db, storeOptions) };
  const plain = repos.runs;
  const cache = createRunReadCache({
    feed: runChanges,
    load: (runId, limit) => plain.getRunWithRecentEvents(runId, limit).then((found) => found ?? undefined),
  });
  const newest = createLookupCache({
    feed: runChanges,
    load: (channel) => plain.newestActiveRunInChannel(channel),
  });
  invalidateAll = () => {
    cache.invalidateAll();
    newest.invalidateAll();
  };
  return {
    ...repos,
    runs: {
      ...plain,
      getRunWithRecentEvents: async (runId, limit) => (await cache.read(runId, limit)) ?? null,
      newestActiveRunInChannel: (channel) => newest.read(channel),
    },
  };
}

function repositories(db: Db, options: StoreOptions & { routerLockDb?: Db }): Store {
  return {
    runs: createRunStore(db, options),
    events: createEventLog(db, options),
    gates: createGateStore(db, options),
    ...unwatched(db, options),
  };
}

/** The repositories that never write `runs` or `run_events`. */
function unwatched(
  db: Db,
  options: StoreOptions & { routerLockDb?: Db },
): Pick<Store, 'samples' | 'backups' | 'outbox' | 'routerLock' | 'audit' | 'freezeDigests' | 'homeViewers'> {
  return {
    routerLock: createRouterLock(options.routerLockDb ?? db),
    samples: createMetricSampleStore(db),
    backups: createBackupStore(db),
    outbox: createThreadOutbox(db, options),
    audit: createAuditLog(db, options),
    freezeDigests: createFreezeDigestStore(db),
    homeViewers: createHomeViewerStore(db),
  };
}

/**
 * The same Db, calling `onWrite` after every transaction and every statement that is not a plain
 * SELECT, whether it succeeded or not (a lost COMMIT reply may still have committed).
 */
function observeWrites(db: Db, onWrite: () => void): Db {
  const isRead = (text: string) => /^\s*SELECT\b/i.test(text);
  return {
    ...db,
    async query(text, params) {
      try {
        return await db.query(text, params);
      } finally {
        if (!isRead(text)) onWrite();
      }
    },
    async withTransaction(fn) {
      try {
        return await db.withTransaction(fn);
      } finally {
        onWrite();
      }
    },
  };
}
