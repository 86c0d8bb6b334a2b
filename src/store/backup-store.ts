import { AppError } from '../errors.js';
import type { Db } from './db.js';
import { mapBackup, toJsonb } from './row-mappers.js';
import type { Backup } from './store-records.js';

/** A pg_dump of cluster X's database taken by a run (`backups`). */
export type { Backup } from './store-records.js';

export type BackupRecord = Omit<Backup, 'id' | 'sizeBytes' | 'manifest' | 'rowCounts' | 'finishedAt'> & {
  sizeBytes?: number | null;
  manifest?: Record<string, string>;
  rowCounts?: Record<string, number>;
  finishedAt?: Date | null;
};

export interface BackupStore {
  /**
   * Inserts or, for the same run and path, replaces the record, so a job can record `running`
   * and later `succeeded`/`failed`, and a retried job does not duplicate it.
   */
  recordBackup(backup: BackupRecord): Promise<Backup>;
  /** Most recently started backup of the run, whatever its status. */
  getLatestBackup(runId: string): Promise<Backup | null>;
}

export function createBackupStore(db: Db): BackupStore {
  return {
    async recordBackup(b) {
      const [row] = await db.query(
        `INSERT INTO backups (run_id, path, format, size_bytes, manifest, row_counts, started_at, finished_at, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (run_id, path) DO UPDATE SET
           format = EXCLUDED.format, size_bytes = EXCLUDED.size_bytes, manifest = EXCLUDED.manifest,
           row_counts = EXCLUDED.row_counts, started_at = EXCLUDED.started_at,
           finished_at = EXCLUDED.finished_at, status = EXCLUDED.status
         RETURNING *`,
        [
          b.runId,
          b.path,
          b.format,
          b.sizeBytes ?? null,
          toJsonb(b.manifest ?? {}),
          toJsonb(b.rowCounts ?? {}),
          b.startedAt,
          b.finishedAt ?? null,
          b.status,
        ],
      );
      if (row === undefined)
        throw new AppError('E_UNKNOWN', 'PostgreSQL returned no row for a backup insert.');
      return mapBackup(row);
    },

    async getLatestBackup(runId) {
      const rows = await db.query(
        'SELECT * FROM backups WHERE run_id = $1 ORDER BY started_at DESC, id DESC LIMIT 1',
        [runId],
      );
      return rows[0] === undefined ? null : mapBackup(rows[0]);
    },
  };
}
