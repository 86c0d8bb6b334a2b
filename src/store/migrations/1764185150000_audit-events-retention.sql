-- Audited facts that belong to no run (a click on a button whose gate id is malformed or unknown).
-- Append-only like run_events, and like it kept for ever: retention never deletes audit rows.
CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  kind text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_at ON audit_events (at);

-- When retention removed a backup's files (the row stays: it is part of the run's history).
ALTER TABLE backups ADD COLUMN removed_at timestamptz;
