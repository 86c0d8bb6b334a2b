import type { NewRunEvent, RunEvent } from '../domain/run-event.js';
import type { Queryable } from './db.js';
import { mapEvent } from './row-mappers.js';

/**
 * Appends events for one run on the given connection (so they share the caller's transaction).
 * `now` is the default `at` for events that do not carry one.
 */
export async function insertEvents(
  q: Queryable,
  runId: string,
  events: readonly NewRunEvent[],
  now: Date,
): Promise<RunEvent[]> {
  if (events.length === 0) return [];
  const rows = await q.query(
    `INSERT INTO run_events (run_id, at, actor, kind, phase, details)
     SELECT $1, e.at, e.actor, e.kind, e.phase, e.details
       FROM jsonb_to_recordset($2::jsonb)
         AS e(at timestamptz, actor text, kind text, phase text, details jsonb, ord int)
      ORDER BY e.ord
     RETURNING *`,
    [
      runId,
      JSON.stringify(
        events.map((e, ord) => ({
          at: (e.at ?? now).toISOString(),
          actor: e.actor,
          kind: e.kind,
          phase: e.phase,
          details: e.details,
          ord,
        })),
      ),
    ],
  );
  return rows.map(mapEvent).sort((a, b) => a.id - b.id);
}
