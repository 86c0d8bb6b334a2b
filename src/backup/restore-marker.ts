import type pg from 'pg';
import type { RestoreFootprint } from './restore-footprint.js';

/**
 * Where the bot records that a run restored into a database. It lives outside `public` so that it
 * never looks like part of Kong's schema and survives dropping `public` on a re-run; pg_dump
 * excludes it, so a database that was once a restore target does not carry it into the next one.
 */
export const MARKER_SCHEMA = 'kong_upgrade_bot';
export const MARKER_TABLE = 'restore_marker';

export interface RestoreMarker {
  runId: string;
  startedAt: Date;
  finishedAt: Date | null;
  /** What the database held before this run's restore; null for a marker written by an older version. */
  footprint: RestoreFootprint | null;
}

export async function readRestoreMarker(client: pg.ClientBase): Promise<RestoreMarker | null> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
    `${MARKER_SCHEMA}.${MARKER_TABLE}`,
  ]);
  if (exists.rows[0]?.t === null || exists.rows[0]?.t === undefined) return null;
  const res = await client.query<{
    run_id: string;
    started_at: Date;
    finished_at: Date | null;
    footprint: RestoreFootprint | null;
  }>(
    `SELECT run_id, started_at, finished_at, to_jsonb(m) -> 'footprint' AS footprint
       FROM ${MARKER_SCHEMA}.${MARKER_TABLE} m ORDER BY started_at DESC LIMIT 1`,
  );
  const row = res.rows[0];
  return row === undefined
    ? null
    : {
        runId: row.run_id,
        startedAt: row.started_at,
        finishedAt: row.finished_at,
        footprint: row.footprint ?? null,
      };
}

/** Claims the database for a run before anything is restored, so an interrupted restore is ours. */
export async function writeRestoreMarker(
  client: pg.ClientBase,
  runId: string,
  backupPath: string,
  footprint: RestoreFootprint,
): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${MARKER_SCHEMA}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${MARKER_SCHEMA}.${MARKER_TABLE} (
         run_id text NOT NULL, backup_path text NOT NULL,
         started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz)`,
    );
    await client.query(
      `ALTER TABLE ${MARKER_SCHEMA}.${MARKER_TABLE} ADD COLUMN IF NOT EXISTS footprint jsonb`,
    );
    await client.query(`DELETE FROM ${MARKER_SCHEMA}.${MARKER_TABLE}`);
    await client.query(
      `INSERT INTO ${MARKER_SCHEMA}.${MARKER_TABLE} (run_id, backup_path, footprint) VALUES ($1, $2, $3)`,
      [runId, backupPath, JSON.stringify(footprint)],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export async function finishRestoreMarker(client: pg.ClientBase, runId: string): Promise<void> {
  await client.query(`UPDATE ${MARKER_SCHEMA}.${MARKER_TABLE} SET finished_at = now() WHERE run_id = $1`, [
    runId,
  ]);
}
