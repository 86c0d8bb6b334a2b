import type { NewRunEvent, RunEvent } from '../domain/run-event.js';
import { AppError } from '../errors.js';
import type { Db } from './db.js';
import { insertEvents } from './insert-events.js';
import { mapEvent } from './row-mappers.js';
import { type StoreOptions, storeClock } from './store-options.js';

/** The append-only audit log (`run_events`). There is deliberately no update or delete. */
export interface EventLog {
  appendEvent(runId: string, event: NewRunEvent): Promise<RunEvent>;
  /** Oldest first. */
  listEvents(runId: string): Promise<RunEvent[]>;
  /** The newest event of one kind, or null: a bounded read for jobs that need one fact from the log. */
  findLatestEvent(runId: string, kind: string): Promise<RunEvent | null>;
  /** The newest event of this kind about one gate (`details.gateId`), e.g. its `gate.requested`. */
  findGateEvent(runId: string, kind: string, gateId: string): Promise<RunEvent | null>;
}

export function createEventLog(db: Db, options: StoreOptions = {}): EventLog {
  const clock = storeClock(options);
  return {
    async appendEvent(runId, event) {
      const rows = await db.query('SELECT 1 FROM runs WHERE id = $1', [runId]);
      if (rows.length === 0) {
        throw new AppError('E_NOT_FOUND', `There is no run ${runId}; the event was not recorded.`, {
          details: { runId },
        });
      }
      const [inserted] = await insertEvents(db, runId, [event], await clock(db));
      if (inserted === undefined)
        throw new AppError('E_UNKNOWN', 'PostgreSQL returned no row for an event insert.');
      return inserted;
    },

    async listEvents(runId) {
      const rows = await db.query('SELECT * FROM run_events WHERE run_id = $1 ORDER BY id', [runId]);
      return rows.map(mapEvent);
    },

    async findLatestEvent(runId, kind) {
      const rows = await db.query(
        'SELECT * FROM run_events WHERE run_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1',
        [runId, kind],
      );
      return rows[0] === undefined ? null : mapEvent(rows[0]);
    },
    async findGateEvent(runId, kind, gateId) {
      const rows = await db.query(
        `SELECT * FROM run_events WHERE run_id = $1 AND kind = $2 AND details->>'gateId' = $3
          ORDER BY id DESC LIMIT 1`,
        [runId, kind, gateId],
      );
      return rows[0] === undefined ? null : mapEvent(rows[0]);
    },
  };
}
