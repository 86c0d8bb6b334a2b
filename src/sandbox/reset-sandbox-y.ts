import pg from 'pg';
import type { Weights } from '../domain/weights.js';
import { recreateSandboxDatabases } from './sandbox-databases.js';
import { databaseUrlFor } from './sandbox-names.js';

export interface ResetSandboxYDeps {
  /** The active (non-dry) run of the sandbox environment, if any: Y is never reset under it. */
  findActiveRun(): Promise<{ id: string; phase: string } | null>;
  /** Any URL of the PostgreSQL server, and the name of Y's database on it. */
  serverUrl: string;
  yDatabase: string;
  setWeights(weights: Weights): void;
  weights(): Weights;
  setYFaults?(faults: { errorRatio: number; addedLatencyMs: number; brokenRoute: null }): void;
}

export type ResetSandboxYOutcome =
  | { ok: true; reset: boolean; message: string }
  | { ok: false; message: string };

/** Whether Y holds an earlier run's restore (any table in its database) or takes traffic. */
async function yIsUsed(deps: ResetSandboxYDeps, yUrl: string): Promise<boolean> {
  if (deps.weights().y > 0) return true;
  const client = new pg.Client({ connectionString: yUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    );
    return (rows[0]?.n ?? 0) > 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Puts the sandbox's Y back where a new upgrade starts from: an empty database (a real restore refuses
 * a database an earlier run filled) and 100 % of the traffic on X. Sandbox only: a production Y is
 * never touched this way. Refused while a run is active, since that run owns Y.
 * `whenUsed`: do nothing when Y is already fresh (the automatic reset before each start).
 */
export async function resetSandboxY(
  deps: ResetSandboxYDeps,
  options: { whenUsed?: boolean; clearFaults?: boolean } = {},
): Promise<ResetSandboxYOutcome> {
  const active = await deps.findActiveRun();
  if (active !== null) {
    return {
      ok: false,
      message: `Y is in use by ${active.id} (${active.phase.replaceAll('_', ' ')}): finish, roll back or abort it before resetting Y.`,
    };
  }
  const yUrl = databaseUrlFor(deps.serverUrl, deps.yDatabase);
  if (options.whenUsed && !(await yIsUsed(deps, yUrl))) {
    return { ok: true, reset: false, message: 'Y is fresh: empty database, 100 % of traffic on X.' };
  }
  await recreateSandboxDatabases(deps.serverUrl, [deps.yDatabase]);
  deps.setWeights({ x: 100, y: 0 });
  if (options.clearFaults) deps.setYFaults?.({ errorRatio: 0, addedLatencyMs: 0, brokenRoute: null });
  const faults = options.clearFaults ? ', with no faults on Y' : '';
  return {
    ok: true,
    reset: true,
    message: `Sandbox reset: Y's database is empty again and 100 % of traffic is on X${faults}.`,
  };
}
