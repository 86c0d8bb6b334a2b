/** Options shared by the store factories. */
export interface StoreOptions {
  /** Time for records that do not carry one; tests and the sandbox pass their own clock. */
  clock?: () => Date;
}

export function storeClock(options: StoreOptions): () => Date {
  return options.clock ?? (() => new Date());
}
