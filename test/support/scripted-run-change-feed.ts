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
