import { describe, expect, it } from 'vitest';
import { createRunReadCache } from '../../src/store/run-read-cache.js';
import { countingLoad, scriptedRunChangeFeed as fakeFeed } from '../support/scripted-run-change-feed.js';

/** Loads that answer `<run>/<variant>#<n>` (n counts loads); `ghost-1` does not exist. */
const runLoads = () =>
  countingLoad((n, runId: string, variant: number) =>
    runId === 'ghost-1' ? undefined : `${runId}/${variant}#${n}`,
  );

describe('run read cache', () => {
  it('answers repeated reads from memory while the feed is live, per run and variant', async () => {
    const feed = fakeFeed();
    const db = runLoads();
    const cache = createRunReadCache({ feed, load: db.load });
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#1');
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#1');
    expect(await cache.read('prod-1', 3)).toBe('prod-1/3#2');
    expect(await cache.read('dev-1', 5)).toBe('dev-1/5#3');
    expect(db.loads).toBe(3);
    expect(feed.starts).toBeGreaterThan(0);
  });

  it('drops a run the moment its change is announced, and only that run', async () => {
    const feed = fakeFeed();
    const db = runLoads();
    const cache = createRunReadCache({ feed, load: db.load });
    await cache.read('prod-1', 5);
    await cache.read('dev-1', 5);
    feed.announce('prod-1');
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#3');
    expect(await cache.read('dev-1', 5)).toBe('dev-1/5#2');
  });

  it('never keeps a value whose run changed while it was loading', async () => {
    const feed = fakeFeed();
    const db = runLoads();
    const cache = createRunReadCache({ feed, load: db.load });
    db.holdNext();
    const loading = cache.read('prod-1', 5);
    feed.announce('prod-1'); // committed after the load's snapshot, perhaps
    db.release();
    expect(await loading).toBe('prod-1/5#1'); // answered…
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#2'); // …but not kept
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#2');
  });

  it('serves nothing from memory while the feed is down, and drops everything when it says so', async () => {
    const feed = fakeFeed();
    const db = runLoads();
    const cache = createRunReadCache({ feed, load: db.load });
    await cache.read('prod-1', 5);
    feed.live = false;
    feed.announce(null);
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#2');
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#3'); // not kept while down
    feed.live = true;
    feed.announce(null);
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#4');
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#4');
  });

  it('a reset during a load (feed lost and back) keeps that load out of memory', async () => {
    const feed = fakeFeed();
    const db = runLoads();
    const cache = createRunReadCache({ feed, load: db.load });
    db.holdNext();
    const loading = cache.read('prod-1', 5);
    feed.announce(null);
    db.release();
    await loading;
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#2');
  });

  it('invalidateAll (a write by this process) drops every copy at once', async () => {
    const feed = fakeFeed();
    const db = runLoads();
    const cache = createRunReadCache({ feed, load: db.load });
    await cache.read('prod-1', 5);
    await cache.read('dev-1', 5);
    cache.invalidateAll();
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#3');
    expect(await cache.read('dev-1', 5)).toBe('dev-1/5#4');
  });

  it('serves a copy no longer than maxAgeMs, even if no change is announced', async () => {
    const feed = fakeFeed();
    const db = runLoads();
    let now = 1_000;
    const cache = createRunReadCache({ feed, load: db.load, maxAgeMs: 500, now: () => now });
    await cache.read('prod-1', 5);
    now += 500;
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#1');
    now += 1;
    expect(await cache.read('prod-1', 5)).toBe('prod-1/5#2');
  });

  it('keeps at most maxRuns runs, dropping the least recently stored', async () => {
    const feed = fakeFeed();
    const db = runLoads();
    const cache = createRunReadCache({ feed, load: db.load, maxRuns: 2 });
    await cache.read('a-1', 5);
    await cache.read('b-1', 5);
    await cache.read('c-1', 5);
    expect(await cache.read('b-1', 5)).toBe('b-1/5#2');
    expect(await cache.read('c-1', 5)).toBe('c-1/5#3');
    expect(await cache.read('a-1', 5)).toBe('a-1/5#4');
  });

  it('does not keep "no such run", and passes a failed load on without keeping anything', async () => {
    const feed = fakeFeed();
    let fail = true;
    let loads = 0;
    const cache = createRunReadCache({
      feed,
      load: async (runId: string) => {
        loads++;
        if (fail) throw new Error('database down');
        return runId === 'ghost-1' ? undefined : `${runId}#${loads}`;
      },
    });
    await expect(cache.read('prod-1', 5)).rejects.toThrow('database down');
    fail = false;
    expect(await cache.read('prod-1', 5)).toBe('prod-1#2');
    expect(await cache.read('ghost-1', 5)).toBeUndefined();
    expect(await cache.read('ghost-1', 5)).toBeUndefined();
    expect(loads).toBe(4);
  });

  it('close stops listening to the feed', () => {
    const feed = fakeFeed();
    const cache = createRunReadCache({ feed, load: async () => 'x' });
    expect(feed.listeners).toBe(1);
    cache.close();
    expect(feed.listeners).toBe(0);
  });
});
