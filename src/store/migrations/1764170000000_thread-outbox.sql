-- Thread lines a decision wants posted, written in the decision's own transaction: a process that dies
-- after the commit and before Slack answered leaves the line here, and the reconciler posts it.
CREATE TABLE thread_outbox (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL REFERENCES runs (id),
  text text NOT NULL,
  created_at timestamptz NOT NULL,
  -- A poster holds a line until then; after it, the line is free again (that poster died).
  claimed_until timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  sent_at timestamptz,
  given_up_at timestamptz,
  last_error text
);
CREATE INDEX thread_outbox_unsent ON thread_outbox (run_id, id) WHERE sent_at IS NULL AND given_up_at IS NULL;
CREATE INDEX thread_outbox_unsent_by_age ON thread_outbox (created_at) WHERE sent_at IS NULL AND given_up_at IS NULL;
