-- Up Migration
-- Gates created in the same millisecond (or with a fixed test clock) need a stable creation order.
ALTER TABLE gates ADD COLUMN seq bigserial;
CREATE INDEX gates_run_seq_idx ON gates (run_id, seq);
DROP INDEX gates_run_idx;
