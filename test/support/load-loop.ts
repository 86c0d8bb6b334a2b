/** A steady trickle of requests to some URLs (loopback only), so both clusters have metrics to compare. */
export function startLoadLoop(urls: string[], perSecondEach = 40): { stop(): Promise<void> } {
  let stopped = false;
  const loops = urls.map(async (url) => {
    while (!stopped) {
      const started = Date.now();
      await Promise.all(
        Array.from({ length: Math.max(1, Math.round(perSecondEach / 10)) }, () =>
          fetch(url)
            .then((r) => r.arrayBuffer())
            .catch(() => undefined),
        ),
      );
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
