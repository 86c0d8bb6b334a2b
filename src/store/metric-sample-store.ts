import { AppError } from '../errors.js';
import type { Db } from './db.js';
import { mapSample, toJsonb } from './row-mappers.js';
import type { MetricSample, SampleVerdict } from './store-records.js';

export { type MetricSample, SAMPLE_VERDICTS, type SampleVerdict } from './store-records.js';

export type NewMetricSample = Omit<MetricSample, 'id' | 'verdict' | 'details'> & {
  verdict?: SampleVerdict | null;
  details?: Record<string, unknown>;
};

export interface MetricSampleStore {
  insertSample(sample: NewMetricSample): Promise<MetricSample>;
  /** Oldest window first, x before y within a window. */
  listSamples(runId: string): Promise<MetricSample[]>;
}

export function createMetricSampleStore(db: Db): MetricSampleStore {
  return {
    async insertSample(s) {
      const [row] = await db.query(
        `INSERT INTO metric_samples (run_id, cluster, window_start, window_end, requests, errors_5xx, errors_4xx,
                                     p50, p95, p99, rate, verdict, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (run_id, cluster, window_start, window_end) DO UPDATE SET verdict = EXCLUDED.verdict
         RETURNING *`,
        [
          s.runId,
          s.cluster,
          s.windowStart,
          s.windowEnd,
          s.requests,
          s.errors5xx,
          s.errors4xx,
          s.p50,
          s.p95,
          s.p99,
          s.rate,
          s.verdict ?? null,
          toJsonb(s.details ?? {}),
        ],
      );
      if (row === undefined)
        throw new AppError('E_UNKNOWN', 'PostgreSQL returned no row for a sample insert.');
      return mapSample(row);
    },

    async listSamples(runId) {
      const rows = await db.query(
        'SELECT * FROM metric_samples WHERE run_id = $1 ORDER BY window_end, cluster, id',
        [runId],
      );
      return rows.map(mapSample);
    },
  };
}
