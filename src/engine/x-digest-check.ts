import type { Logger } from 'pino';
import { changedTables, readTableDigests } from '../backup/table-digests.js';
import type { EnvironmentConfig } from '../config/config-schema.js';
import type { FreezeDigestStore } from '../store/freeze-digest-store.js';

/**
 * The incremental drift check (docs/contract.md#performance-targets "drift at scale"): X's database digests each configuration
 * table (two numbers per table, computed server-side), compared with the digests taken at the freeze.
 * Equal digests mean nothing changed, so X's Admin API is not read at all; a changed table, a missing
 * baseline or an unreachable database leave the exact (Admin API) comparison to the caller.
 */
export interface XDigestCheck {
  /** At the freeze, before X's configuration is read through the Admin API. Never throws. */
  record(runId: string, signal?: AbortSignal): Promise<boolean>;
  /** true: X's tables equal the freeze baseline; false: some changed; null: cannot tell. Never throws. */
  unchanged(runId: string, signal?: AbortSignal): Promise<boolean | null>;
}

export function createXDigestCheck(options: {
  databaseUrl: string;
  store: FreezeDigestStore;
  log: Logger;
  now?: () => Date;
}): XDigestCheck {
  const { databaseUrl, store, log } = options;
  const now = options.now ?? (() => new Date());
  return {
    async record(runId, signal) {
      try {
        const digests = await readTableDigests(databaseUrl, signal ? { signal } : {});
        await store.put(runId, digests, now());
        log.info({ tables: Object.keys(digests).length }, "X's table digests recorded at the freeze");
        return true;
      } catch (err) {
        // Later checks then read X's Admin API, as before: slower, never less safe.
        log.warn(
          { err: (err as Error).message },
          "X's table digests could not be recorded; drift checks use the Admin API",
        );
        return false;
      }
    },
    async unchanged(runId, signal) {
      try {
        const baseline = await store.get(runId);
        if (baseline === null) return null;
        const started = Date.now();
        const current = await readTableDigests(databaseUrl, signal ? { signal } : {});
        const changed = changedTables(baseline, current);
        log.info({ changed, ms: Date.now() - started }, "X's table digests compared with the freeze");
        return changed.length === 0;
      } catch (err) {
        if (signal?.aborted) throw err;
        log.warn(
          { err: (err as Error).message },
          "X's database is not reachable for digests; using the Admin API",
        );
        return null;
      }
    },
  };
}

/** The check for one environment's X, from the engine's dependencies. */
export function xDigestCheckFor(
  env: Pick<EnvironmentConfig, 'clusterX'>,
  deps: { store: { freezeDigests: FreezeDigestStore }; log: Logger; now?: () => Date },
): XDigestCheck {
  return createXDigestCheck({
    databaseUrl: env.clusterX.databaseUrl,
    store: deps.store.freezeDigests,
    log: deps.log,
    ...(deps.now ? { now: deps.now } : {}),
  });
}
