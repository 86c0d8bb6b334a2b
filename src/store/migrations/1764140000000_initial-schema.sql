-- Up Migration
-- Initial schema (DESIGN 4). Migrations are append-only: never edit this file, add a new one.

-- Next run number per environment. Locking this row serialises concurrent `start`s of one environment.
CREATE TABLE environment_counters (
  environment text PRIMARY KEY,
  last_number integer NOT NULL CHECK (last_number > 0)
);

CREATE TABLE runs (
  id text PRIMARY KEY,
  environment text NOT NULL,
  number integer NOT NULL CHECK (number > 0),
  phase text NOT NULL,
  paused boolean NOT NULL DEFAULT false,
  dry_run boolean NOT NULL DEFAULT false,
  requested_by text NOT NULL,
  channel text NOT NULL,
  card_ts text,
  thread_ts text,
  from_version text,
  to_version text,
  plan_steps integer[] NOT NULL,
  applied_weight integer CHECK (applied_weight BETWEEN 0 AND 100),
  step_index integer NOT NULL DEFAULT -1,
  x_fingerprint jsonb,
  failure_reason text,
  failed_phase text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  phase_started_at timestamptz NOT NULL,
  finished_at timestamptz,
  version integer NOT NULL DEFAULT 1,
  CONSTRAINT runs_environment_number_key UNIQUE (environment, number),
  CONSTRAINT runs_id_matches_number CHECK (id = environment || '-' || number)
);

-- One active (non-terminal, non dry-run) run per environment. The phase list must match
-- TERMINAL_PHASES in src/domain/run.ts.
CREATE UNIQUE INDEX runs_one_active_per_environment ON runs (environment)
  WHERE NOT dry_run AND phase NOT IN ('completed', 'rolled_back', 'failed', 'aborted');

CREATE INDEX runs_channel_created_idx ON runs (channel, created_at DESC);
CREATE INDEX runs_created_idx ON runs (created_at DESC);

-- Append-only audit log: the repository offers no update or delete.
CREATE TABLE run_events (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL REFERENCES runs (id),
  at timestamptz NOT NULL,
  actor text NOT NULL,
  kind text NOT NULL,
  phase text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX run_events_run_idx ON run_events (run_id, id);

CREATE TABLE gates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id text NOT NULL REFERENCES runs (id),
  kind text NOT NULL CHECK (kind IN ('shift', 'rollback', 'complete')),
  target_weight integer NOT NULL CHECK (target_weight BETWEEN 0 AND 100),
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'superseded')),
  requested_by text,
  requested_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  decided_by text,
  decided_at timestamptz,
  message_ts text,
  comparison jsonb
);
-- At most one pending shift/complete gate per run.
CREATE UNIQUE INDEX gates_one_pending_advance_per_run ON gates (run_id)
  WHERE status = 'pending' AND kind IN ('shift', 'complete');
CREATE INDEX gates_run_idx ON gates (run_id, requested_at);
CREATE INDEX gates_pending_expiry_idx ON gates (expires_at) WHERE status = 'pending';

CREATE TABLE metric_samples (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL REFERENCES runs (id),
  cluster text NOT NULL CHECK (cluster IN ('x', 'y')),
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  -- Counter deltas can be fractional after reset handling, so these are not integers.
  requests double precision NOT NULL,
  errors_5xx double precision NOT NULL,
  errors_4xx double precision NOT NULL,
  p50 double precision,
  p95 double precision,
  p99 double precision,
  rate double precision NOT NULL,
  verdict text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  CHECK (window_end >= window_start)
);
CREATE INDEX metric_samples_run_idx ON metric_samples (run_id, window_end, cluster);

CREATE TABLE backups (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL REFERENCES runs (id),
  path text NOT NULL,
  format text NOT NULL,
  size_bytes bigint,
  manifest jsonb NOT NULL DEFAULT '{}'::jsonb,
  row_counts jsonb NOT NULL DEFAULT '{}'::jsonb,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  CONSTRAINT backups_run_path_key UNIQUE (run_id, path)
);
