/** Kong's defaults: `--lock-timeout` 60 s; `--db-timeout` falls back to pg_timeout (5 s) from 3.7. */
const FLOOR_SECONDS = 60;

export interface MigrationTimeouts {
  /** For `kong migrations up|finish --db-timeout`: the longest single statement should fit with room. */
  dbTimeoutSeconds: number;
  /** For `--lock-timeout`: how long another node waits for the migrations lock this run holds. */
  lockTimeoutSeconds: number;
}

const roundUp = (seconds: number) =>
  seconds <= 300 ? Math.ceil(seconds / 10) * 10 : Math.ceil(seconds / 60) * 60;

/**
 * Timeouts for the real migration from what the rehearsal measured on a copy of the same data on
 * the same server: three times the longest command for the statement timeout (the real server may
 * be busier), twice the whole rehearsal for the lock, never below Kong's 60 s default.
 */
export function suggestMigrationTimeouts(stepDurationsMs: readonly number[]): MigrationTimeouts {
  const longest = Math.max(0, ...stepDurationsMs) / 1000;
  const total = stepDurationsMs.reduce((a, b) => a + b, 0) / 1000;
  return {
    dbTimeoutSeconds: Math.max(FLOOR_SECONDS, roundUp(longest * 3)),
    lockTimeoutSeconds: Math.max(FLOOR_SECONDS, roundUp(total * 2)),
  };
}
