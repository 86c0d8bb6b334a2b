import { describe, expect, it } from 'vitest';
import { coalesceReads } from '../../src/store/coalesce-reads.js';

/** A load whose calls are recorded and which resolves only when the test says so. */
function controlledLoad() {
  const calls: Array<{
    keys: string[];
    finish: (values?: Map<string, string>) => void;
    fail: (e: Error) => void;
  }> = [];
  const load = (keys: string[]) =>
    new Promise<Map<string, string>>((resolve, reject) => {
      calls.push({
        keys,
        finish: (values) => resolve(values ?? new Map(keys.map((k) => [k, `${k}@${calls.length}`]))),
        fail: reject,
      });
    });
  return { calls, load };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesceReads', () => {
  it('serves reads asked in the same tick with one load, each its own value', async () => {
    const { calls, load } = controlledLoad();
    const read = coalesceReads(load);
    const answers = Promise.all([read('a'), read('b'), read('a')]);
    await settle();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b']]);
    calls[0]?.finish(
      new Map([
        ['a', 'A'],
        ['b', 'B'],
      ]),
    );
    expect(await answers).toEqual(['A', 'B', 'A']);
  });

  it('never answers a read with a load that started before it was asked', async () => {
    const { calls, load } = controlledLoad();
    const read = coalesceReads(load);
    const first = read('a');
    await settle();
    // Asked while the first load is in flight: it must wait for a fresh one.
    const second = read('a');
    const third = read('c');
    await settle();
    expect(calls).toHaveLength(1);
    calls[0]?.finish(new Map([['a', 'old']]));
    expect(await first).toBe('old');
    await settle();
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['a', 'c']]);
    calls[1]?.finish(
      new Map([
        ['a', 'new'],
        ['c', 'C'],
      ]),
    );
    expect(await Promise.all([second, third])).toEqual(['new', 'C']);
  });

  it('answers undefined for a key the load did not find', async () => {
    const { calls, load } = controlledLoad();
    const read = coalesceReads(load);
    const answer = read('ghost');
    await settle();
    calls[0]?.finish(new Map());
    expect(await answer).toBeUndefined();
  });

  it('rejects every read of a failed load, and the next reads load again', async () => {
    const { calls, load } = controlledLoad();
    const read = coalesceReads(load);
    const failing = Promise.allSettled([read('a'), read('b')]);
    await settle();
    calls[0]?.fail(new Error('database down'));
    const outcomes = await failing;
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({ message: 'database down' });
    const again = read('a');
    await settle();
    expect(calls).toHaveLength(2);
    calls[1]?.finish();
    expect(await again).toBe('a@2');
  });

  it('splits more waiting keys than maxBatch across consecutive loads', async () => {
    const { calls, load } = controlledLoad();
    const read = coalesceReads(load, { maxBatch: 2 });
    const answers = Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => read(k)));
    await settle();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b']]);
    for (let i = 0; i < 3; i++) {
      calls[i]?.finish();
      await settle();
    }
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(await answers).toEqual(['a@1', 'b@1', 'c@2', 'd@2', 'e@3']);
  });
});
