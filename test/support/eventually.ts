type Truthy<T> = Exclude<T, null | undefined | false | 0 | ''>;

/** Polls an async predicate until it returns a truthy value; rejects with the last value after timeoutMs. */
export async function eventually<T>(
  fn: () => Promise<T> | T,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as Truthy<T>;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms (last value: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
