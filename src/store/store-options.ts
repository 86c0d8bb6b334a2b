import type { Queryable } from './db.js';

/** Options shared by the store factories. */
export interface StoreOptions {
  /** Time for records that do not carry one; tests and the sandbox pass their own clock. */
  clock?: () => Date;
}

/**
 * The time a write records. Without a test clock it is PostgreSQL's `now()` (the transaction's
 * start), so that timestamps written by different processes compare on one clock: a click decided on
 * one machine and a phase started on another must not disagree by their clocks' skew.
 */
export type StoreClock = (q: Queryable) => Promise<Date>;

export function storeClock(options: StoreOptions): StoreClock {
  const test = options.clock;
  if (test) return async () => test();
  return async (q) => {
    const [row] = await q.query('SELECT now() AS now');
    if (!(row?.now instanceof Date)) throw new Error('PostgreSQL returned no time for now()');
    return row.now;
  };
}
