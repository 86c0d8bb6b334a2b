// Row shapes shared by the stores and row-mappers.ts: here, so that neither imports the other.

export interface Backup {
  id: number;
  runId: string;
  /** Directory (or file) of the dump. */
  path: string;
  /** pg_dump format, e.g. `directory`. */
  format: string;
  sizeBytes: number | null;
  /** sha256 (hex) per file, keyed by path relative to `path`. */
  manifest: Record<string, string>;
  /** Row count per table (`schema.table`) at dump time. */
  rowCounts: Record<string, number>;
  startedAt: Date;
  finishedAt: Date | null;
  status: 'running' | 'succeeded' | 'failed';
}

export const SAMPLE_VERDICTS = ['pass', 'warn', 'fail', 'insufficient_data'] as const;
export type SampleVerdict = (typeof SAMPLE_VERDICTS)[number];

/** One cluster's statistics over one comparison window (`metric_samples`). */
export interface MetricSample {
  id: number;
  runId: string;
  cluster: 'x' | 'y';
  windowStart: Date;
  windowEnd: Date;
  requests: number;
  errors5xx: number;
  errors4xx: number;
  /** Latency quantiles in ms; null when the window had no latency data. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Requests per second over the window. */
  rate: number;
  /** The comparison's overall verdict for this window, when there was one. */
  verdict: SampleVerdict | null;
  details: Record<string, unknown>;
}
