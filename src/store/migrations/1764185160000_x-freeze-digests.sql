-- X's table digests at the write freeze (computed by X's database): a drift check compares fresh
-- digests with these and reads X's Admin API only when a table changed or the database is unreachable.
CREATE TABLE x_freeze_digests (
  run_id text PRIMARY KEY REFERENCES runs (id),
  digests jsonb NOT NULL,
  taken_at timestamptz NOT NULL
);
