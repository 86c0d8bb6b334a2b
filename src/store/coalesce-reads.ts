/** Loads the values of many keys in one round trip; a key missing from the map has no value. */
export type BatchLoad<K, V> = (keys: K[]) => Promise<Map<K, V>>;

export interface CoalesceOptions {
  /** Most keys one load asks for (default 100); more waiting keys are split across loads. */
  maxBatch?: number;
}

/**
 * Coalesces concurrent reads of the same rows into few round trips, without serving anything stale: a
 * read waits for the next load that *starts after it was asked for*. While one load is in flight, new
 * keys gather; when it ends, one load fetches them all. A burst of N reads costs two or three queries
 * instead of N (and N pool connections), and every answer is at least as fresh as its request.
 */
export function coalesceReads<K, V>(
  load: BatchLoad<K, V>,
  options: CoalesceOptions = {},
): (key: K) => Promise<V | undefined> {
  const maxBatch = Math.max(1, options.maxBatch ?? 100);
  type Waiter = { resolve: (v: V | undefined) => void; reject: (e: unknown) => void };
  let waiting = new Map<K, Waiter[]>();
  let inFlight = false;

  function flush(): void {
    if (inFlight || waiting.size === 0) return;
    const batch = new Map<K, Waiter[]>();
    for (const [key, waiters] of waiting) {
      if (batch.size >= maxBatch) break;
      batch.set(key, waiters);
    }
    for (const key of batch.keys()) waiting.delete(key);
    if (waiting.size === 0) waiting = new Map();
    inFlight = true;
    load([...batch.keys()])
      .then(
        (values) => {
          for (const [key, waiters] of batch) for (const w of waiters) w.resolve(values.get(key));
        },
        (error: unknown) => {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
        },
      )
      .finally(() => {
        inFlight = false;
        flush();
      });
  }

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      const waiters = waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else waiting.set(key, [{ resolve, reject }]);
      // After the current task: requests parsed in the same tick share the first load too.
      queueMicrotask(flush);
    });
}
