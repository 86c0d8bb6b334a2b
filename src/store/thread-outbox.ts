import type { Db, Queryable } from './db.js';
import { type StoreOptions, storeClock } from './store-options.js';

/** One thread line waiting to be (or being) posted. */
export interface OutboxLine {
  id: number;
  runId: string;
  text: string;
  createdAt: Date;
  attempts: number;
  /** Also shown in the channel (reply_broadcast). */
  broadcast: boolean;
}

/**
 * Thread lines of decisions (`thread_outbox`), written with the decision (see insertThreadLines) and
 * posted after the commit. A poster claims a line for a while, posts it, then marks it sent; a line
 * whose poster died is claimed again later by the reconciler. At least once: a crash between Slack's
 * answer and `markSent` posts the line twice, which beats losing it.
 */
export interface ThreadOutbox {
  /**
   * Claims the oldest unsent line of the run that nobody holds (written before `before`, when given);
   * null when there is none.
   */
  claimNext(runId: string, before?: Date): Promise<OutboxLine | null>;
  /** Claims up to `limit` unsent lines of any run created before `cutoff`, oldest first. */
  claimLost(cutoff: Date, limit: number): Promise<OutboxLine[]>;
  /** Appends lines a job wants in its run's thread (outside any decision), oldest first. */
  append(runId: string, lines: ReadonlyArray<{ text: string; broadcast?: boolean }>): Promise<void>;
  markSent(id: number): Promise<void>;
  /** Releases the line for a later try; after `maxAttempts` tries it is given up (kept, with the error). */
  markFailed(id: number, error: string): Promise<void>;
}

export interface ThreadOutboxOptions extends StoreOptions {
  /** How long a claim holds (default 60 s: a post may wait out Slack's rate limits). */
  claimMs?: number;
  /** Tries before a line is given up (default 5). */
  maxAttempts?: number;
}

/** Appends thread lines for one run on the caller's connection, so they commit with its decision. */
export async function insertThreadLines(
  q: Queryable,
  runId: string,
  lines: ReadonlyArray<string | ThreadLine>,
  now: Date,
): Promise<void> {
  if (lines.length === 0) return;
  const all = lines.map((l) => (typeof l === 'string' ? { text: l } : l));
  await q.query(
    `INSERT INTO thread_outbox (run_id, text, broadcast, created_at)
     SELECT $1, l.text, l.broadcast, $4
       FROM unnest($2::text[], $3::boolean[]) WITH ORDINALITY AS l(text, broadcast, ord) ORDER BY ord`,
    [runId, all.map((l) => l.text), all.map((l) => l.broadcast === true), now],
  );
}

/** A line for a run's thread; `broadcast` also shows it in the channel (reply_broadcast). */
export interface ThreadLine {
  text: string;
  broadcast?: boolean;
}

const UNSENT = 'sent_at IS NULL AND given_up_at IS NULL AND (claimed_until IS NULL OR claimed_until < $1)';

export function createThreadOutbox(db: Db, options: ThreadOutboxOptions = {}): ThreadOutbox {
  const clock = storeClock(options);
  const claimMs = options.claimMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 5;

  async function claim(where: string, params: unknown[], limit: number): Promise<OutboxLine[]> {
    const now = await clock(db);
    const rows = await db.query(
      `UPDATE thread_outbox SET claimed_until = $2, attempts = attempts + 1
        WHERE id IN (SELECT id FROM thread_outbox WHERE ${UNSENT} AND ${where}
                      ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING id, run_id, text, created_at, attempts, broadcast`,
      [now, new Date(now.getTime() + claimMs), ...params],
    );
    return rows
      .map((r) => ({
        id: Number(r.id),
        runId: String(r.run_id),
        text: String(r.text),
        createdAt: r.created_at as Date,
        attempts: Number(r.attempts),
        broadcast: r.broadcast === true,
      }))
      .sort((a, b) => a.id - b.id);
  }

  return {
    async claimNext(runId, before) {
      const lines = before
        ? await claim('run_id = $3 AND created_at < $4', [runId, before], 1)
        : await claim('run_id = $3', [runId], 1);
      return lines[0] ?? null;
    },
    claimLost(cutoff, limit) {
      return claim('created_at < $3', [cutoff], Math.max(1, Math.min(Math.floor(limit), 500)));
    },
    async append(runId, lines) {
      if (lines.length === 0) return;
      await db.query(
        `INSERT INTO thread_outbox (run_id, text, broadcast, created_at)
         SELECT $1, l.text, l.broadcast, $4
           FROM unnest($2::text[], $3::boolean[]) WITH ORDINALITY AS l(text, broadcast, ord) ORDER BY ord`,
        [runId, lines.map((l) => l.text), lines.map((l) => l.broadcast === true), await clock(db)],
      );
    },
    async markSent(id) {
      await db.query('UPDATE thread_outbox SET sent_at = $2, claimed_until = NULL WHERE id = $1', [
        id,
        await clock(db),
      ]);
    },
    async markFailed(id, error) {
      await db.query(
        `UPDATE thread_outbox SET claimed_until = NULL, last_error = $2,
                given_up_at = CASE WHEN attempts >= $3 THEN $4::timestamptz END
          WHERE id = $1`,
        [id, error.slice(0, 2_000), maxAttempts, await clock(db)],
      );
    },
  };
}
