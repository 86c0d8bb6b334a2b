import type { Db } from './db.js';

/** Who opened the App Home tab recently (`home_viewers`). */
export interface HomeViewerStore {
  /** Records a visit (now, on the database clock). */
  opened(userId: string): Promise<void>;
  /** Users whose last visit is within `withinDays`, most recent first, at most `limit`. */
  recent(withinDays: number, limit: number): Promise<string[]>;
}

export function createHomeViewerStore(db: Db): HomeViewerStore {
  return {
    async opened(userId) {
      await db.query(
        `INSERT INTO home_viewers (user_id, opened_at) VALUES ($1, now())
         ON CONFLICT (user_id) DO UPDATE SET opened_at = EXCLUDED.opened_at`,
        [userId],
      );
    },
    async recent(withinDays, limit) {
      const rows = await db.query(
        `SELECT user_id FROM home_viewers WHERE opened_at > now() - make_interval(days => $1)
         ORDER BY opened_at DESC LIMIT $2`,
        [withinDays, limit],
      );
      return rows.map((r) => String(r.user_id));
    },
  };
}
