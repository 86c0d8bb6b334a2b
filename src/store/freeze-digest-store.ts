import type { Db } from './db.js';

/** Per table of X: row count and digest (see readTableDigests). */
export type StoredDigests = Record<string, { rows: number; digest: string }>;

/** X's table digests taken at the write freeze of a run (`x_freeze_digests`). */
export interface FreezeDigestStore {
  /** Records the baseline; a retried freeze replaces it (the Admin API fingerprint is retaken too). */
  put(runId: string, digests: StoredDigests, takenAt: Date): Promise<void>;
  get(runId: string): Promise<StoredDigests | null>;
}

export function createFreezeDigestStore(db: Db): FreezeDigestStore {
  return {
    async put(runId, digests, takenAt) {
      await db.query(
        `INSERT INTO x_freeze_digests (run_id, digests, taken_at) VALUES ($1, $2, $3)
         ON CONFLICT (run_id) DO UPDATE SET digests = EXCLUDED.digests, taken_at = EXCLUDED.taken_at`,
        [runId, JSON.stringify(digests), takenAt],
      );
    },
    async get(runId) {
      const rows = await db.query('SELECT digests FROM x_freeze_digests WHERE run_id = $1', [runId]);
      return (rows[0]?.digests as StoredDigests | undefined) ?? null;
    },
  };
}
