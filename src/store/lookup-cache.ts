import type { RunChangeFeed } from './run-change-feed.js';

export interface LookupCacheOptions<V> {
  feed: Pick<RunChangeFeed, 'live' | 'start' | 'subscribe'>;
  /** Reads the answer for one key from PostgreSQL (null, "none", is an answer too). */
  load: (key: string) => Promise<V>;
  /** Longest an answer is served, whatever the feed says (default 10 s). */
  maxAgeMs?: number;
  /** Keys kept at most, least recently stored dropped first (default 1,000). */
  maxKeys?: number;
  now?: () => number;
}

export interface LookupCache<V> {
  read(key: string): Promise<V>;
  /** Drops every answer: this process wrote, and its own notification may still be on the way. */
  invalidateAll(): void;
  close(): void;
}

/**
 * Answers of lookups across runs ("the newest active run in this channel") kept in memory while the
 * run change feed is live. Any change to any run may change such an answer (a run started or ended),
 * so every announcement drops them all, and a lookup in flight meanwhile is answered but not kept.
 * Unlike RunReadCache, "nothing found" is kept: `status` in a quiet channel is the common case.
 */
export function createLookupCache<V>(options: LookupCacheOptions<V>): LookupCache<V> {
  const { feed } = options;
  const maxAgeMs = options.maxAgeMs ?? 10_000;
  const maxKeys = Math.max(1, options.maxKeys ?? 1_000);
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: V; storedAt: number }>();
  const loading = new Set<{ stale: boolean }>();

  function dropAll(): void {
    entries.clear();
    for (const token of loading) token.stale = true;
  }

  const unsubscribe = feed.subscribe(dropAll);

  return {
    async read(key) {
      feed.start();
      const hit = feed.live ? entries.get(key) : undefined;
      if (hit && now() - hit.storedAt <= maxAgeMs) return hit.value;
      const token = { stale: false };
      loading.add(token);
      try {
        const value = await options.load(key);
        if (!token.stale && feed.live) {
          entries.delete(key); // re-inserted last: the Map's order is the eviction order
          entries.set(key, { value, storedAt: now() });
          if (entries.size > maxKeys) {
            const oldest = entries.keys().next().value;
            if (oldest !== undefined) entries.delete(oldest);
          }
        }
        return value;
      } finally {
        loading.delete(token);
      }
    },
    invalidateAll: dropAll,
    close: unsubscribe,
  };
}
