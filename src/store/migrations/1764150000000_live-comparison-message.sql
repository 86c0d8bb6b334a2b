-- The one live comparison message of a run (updated in place every interval).
ALTER TABLE runs ADD COLUMN comparison_ts text;
-- A retried compare job must not store the same window twice.
CREATE UNIQUE INDEX metric_samples_one_per_window ON metric_samples (run_id, cluster, window_start, window_end);
