import { describe, expect, it } from 'vitest';
import { createLookupCache } from '../../src/store/lookup-cache.js';
import { countingLoad, scriptedRunChangeFeed } from '../support/scripted-run-change-feed.js';

/** Loads that answer `<key>#<n>` (n counts loads), and null ("none") for `quiet`. */
const lookupLoads = () => countingLoad((n, key: string) => (key === 'quiet' ? null : `${key}#${n}`));

describe('lookup cache (answers across runs)', () => {
  it('answers repeated lookups from memory, "nothing found" included', async () => {
    const feed = scriptedRunChangeFeed();
    const db = lookupLoads();
    const cache = createLookupCache({ feed, load: db.load });
    expect(await cache.read('C1')).toBe('C1#1');
    expect(await cache.read('C1')).toBe('C1#1');
    expect(await cache.read('quiet')).toBeNull();
    expect(await cache.read('quiet')).toBeNull();
    expect(db.loads).toBe(2);
    expect(feed.starts).toBeGreaterThan(0);
  });

  it('drops every answer on any announced change: a run started elsewhere may be the newest now', async () => {
    const feed = scriptedRunChangeFeed();
    const db = lookupLoads();
    const cache = createLookupCache({ feed, load: db.load });
    await cache.read('C1');
    await cache.read('quiet');
    feed.announce('some-run-7');
    expect(await cache.read('C1')).toBe('C1#3');
    expect(await cache.read('quiet')).toBeNull();
    expect(db.loads).toBe(4);
  });

  it('never keeps an answer that a change overtook while it loaded', async () => {
    const feed = scriptedRunChangeFeed();
    const db = lookupLoads();
    const cache = createLookupCache({ feed, load: db.load });
    db.holdNext();
    const loading = cache.read('C1');
    feed.announce('prod-2');
    db.release();
    expect(await loading).toBe('C1#1');
    expect(await cache.read('C1')).toBe('C1#2');
    expect(await cache.read('C1')).toBe('C1#2');
  });

  it('serves nothing from memory while the feed is down', async () => {
    const feed = scriptedRunChangeFeed();
    const db = lookupLoads();
    const cache = createLookupCache({ feed, load: db.load });
    await cache.read('C1');
    feed.live = false;
    expect(await cache.read('C1')).toBe('C1#2');
    expect(await cache.read('C1')).toBe('C1#3');
  });

  it('invalidateAll, maxAgeMs and maxKeys bound what is served', async () => {
    const feed = scriptedRunChangeFeed();
    const db = lookupLoads();
    let now = 0;
    const cache = createLookupCache({ feed, load: db.load, maxAgeMs: 100, maxKeys: 2, now: () => now });
    await cache.read('A');
    cache.invalidateAll();
    expect(await cache.read('A')).toBe('A#2');
    now += 101;
    expect(await cache.read('A')).toBe('A#3');
    await cache.read('B');
    await cache.read('C');
    expect(await cache.read('A')).toBe('A#6'); // the oldest was dropped for C
    expect(await cache.read('C')).toBe('C#5');
  });

  it('keeps nothing from a failed load, and close stops listening', async () => {
    const feed = scriptedRunChangeFeed();
    let fail = true;
    const cache = createLookupCache({
      feed,
      load: async (key: string) => {
        if (fail) throw new Error('database down');
        return key;
      },
    });
    await expect(cache.read('C1')).rejects.toThrow('database down');
    fail = false;
    expect(await cache.read('C1')).toBe('C1');
    expect(feed.listeners).toBe(1);
    cache.close();
    expect(feed.listeners).toBe(0);
  });
});
