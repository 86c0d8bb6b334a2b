import type { Db } from './db.js';
import { type StoreOptions, storeClock } from './store-options.js';

export interface AuditEvent {
  /** Slack user id, or `system`. */
  actor: string;
  /** e.g. `gate.click_refused`. */
  kind: string;
  details?: Record<string, unknown>;
}

/**
 * Audited facts that belong to no run (`audit_events`), such as a click on a button whose gate id is
 * malformed or unknown. Append-only; retention never deletes from it.
 */
export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
  /** Newest first, at most `limit`. */
  recent(limit: number): Promise<(AuditEvent & { at: Date })[]>;
}

export function createAuditLog(db: Db, options: StoreOptions = {}): AuditLog {
  const clock = storeClock(options);
  return {
    async record(event) {
      await db.query('INSERT INTO audit_events (at, actor, kind, details) VALUES ($1, $2, $3, $4)', [
        await clock(db),
        event.actor,
        event.kind,
        JSON.stringify(event.details ?? {}),
      ]);
    },
    async recent(limit) {
      const rows = await db.query(
        'SELECT at, actor, kind, details FROM audit_events ORDER BY id DESC LIMIT $1',
        [limit],
      );
      return rows.map((r) => ({
        at: r.at as Date,
        actor: String(r.actor),
        kind: String(r.kind),
        details: r.details as Record<string, unknown>,
      }));
    },
  };
}
