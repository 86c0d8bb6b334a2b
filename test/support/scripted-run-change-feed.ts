/** A run change feed a unit test drives: `live` is set by hand, `announce` plays a notification. */
export function scriptedRunChangeFeed(live = true) {
  const listeners = new Set<(runId: string | null) => void>();
  let starts = 0;
  return {
    live,
    start: () => {
      starts++;
    },
    subscribe(listener: (runId: string | null) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    announce(runId: string | null) {
      for (const l of listeners) l(runId);
    },
    get starts() {
      return starts;
    },
    get listeners() {
      return listeners.size;
    },
  };
}

/**
 * A load function for a cache test: answers `answer(n, ...args)` (n counts loads) and, after
 * `holdNext()`, keeps loads open until `release()`, so a test can announce a change meanwhile.
 */
export function countingLoad<A extends unknown[], V>(answer: (n: number, ...args: A) => V) {
  let loads = 0;
  const held: Array<() => void> = [];
  let hold = false;
  const load = async (...args: A): Promise<V> => {
    const n = ++loads;
    if (hold) await new Promise<void>((resolve) => held.push(resolve));
    return answer(n, ...args);
  };
  return {
    load,
    get loads() {
      return loads;
    },
    holdNext() {
      hold = true;
    },
    release() {
      hold = false;
      for (const r of held.splice(0)) r();
    },
  };
}
