import type { RunChangeFeed } from './run-change-feed.js';

export interface RunReadCacheOptions<V> {
  feed: Pick<RunChangeFeed, 'live' | 'start' | 'subscribe'>;
  /** Reads one run's value from PostgreSQL; `variant` tells apart reads of different shapes (limits). */
  load: (runId: string, variant: number) => Promise<V | undefined>;
  /** Longest a copy is served, whatever the feed says (default 10 s): bounds a silently stuck feed. */
  maxAgeMs?: number;
  /** Runs kept at most, least recently stored dropped first (default 1,000). */
  maxRuns?: number;
  now?: () => number;
}

export interface RunReadCache<V> {
  read(runId: string, variant: number): Promise<V | undefined>;
  /** Drops every copy: this process wrote, and its own notification may still be on the way. */
  invalidateAll(): void;
  close(): void;
}

interface Entry<V> {
  value: V;
  storedAt: number;
}

/**
 * Copies of run reads kept in memory and dropped the moment PostgreSQL announces a change to that run
 * (see RunChangeFeed), so bursts of `status` cost no query at all. Served only while the feed is live;
 * a read whose run changed while it was loading is answered but not kept, so a copy is never older than
 * the last announced change. Missing values (no such run) are not kept.
 */
export function createRunReadCache<V>(options: RunReadCacheOptions<V>): RunReadCache<V> {
  const { feed } = options;
  const maxAgeMs = options.maxAgeMs ?? 10_000;
  const maxRuns = Math.max(1, options.maxRuns ?? 1_000);
  const now = options.now ?? Date.now;
  const entries = new Map<string, Map<number, Entry<V>>>();
  // Loads in flight per run: a change announced meanwhile marks them stale (answered, not kept).
  const loading = new Map<string, Set<{ stale: boolean }>>();

  function dropRun(runId: string): void {
    entries.delete(runId);
    for (const token of loading.get(runId) ?? []) token.stale = true;
  }

  function dropAll(): void {
    entries.clear();
    for (const tokens of loading.values()) for (const token of tokens) token.stale = true;
  }

  const unsubscribe = feed.subscribe((runId) => (runId === null ? dropAll() : dropRun(runId)));

  function keep(runId: string, variant: number, value: V): void {
    const variants = entries.get(runId) ?? new Map<number, Entry<V>>();
    variants.set(variant, { value, storedAt: now() });
    entries.delete(runId); // re-inserted last: the Map's order is the eviction order
    entries.set(runId, variants);
    if (entries.size > maxRuns) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
  }

  return {
    async read(runId, variant) {
      feed.start();
      const hit = feed.live ? entries.get(runId)?.get(variant) : undefined;
      if (hit && now() - hit.storedAt <= maxAgeMs) return hit.value;
      const token = { stale: false };
      const tokens = loading.get(runId) ?? new Set();
      tokens.add(token);
      loading.set(runId, tokens);
      try {
        const value = await options.load(runId, variant);
        if (value !== undefined && !token.stale && feed.live) keep(runId, variant, value);
        return value;
      } finally {
        tokens.delete(token);
        if (tokens.size === 0 && loading.get(runId) === tokens) loading.delete(runId);
      }
    },
    invalidateAll: dropAll,
    close: unsubscribe,
  };
}
