-- Traffic safety: what the rules of increases need to know about the current step, which approved gate
-- a traffic job carries out, and each approval of a gate that needs several.
ALTER TABLE runs
  -- When the router last confirmed a new weight (the start of the current step), by the database clock.
  ADD COLUMN step_started_at timestamptz,
  -- A comparison failed since the current step began: no increase until the weight changes.
  ADD COLUMN step_failing boolean NOT NULL DEFAULT false,
  -- The newest comparison's verdict at this step (null: none yet).
  ADD COLUMN last_verdict text CHECK (last_verdict IN ('pass', 'warn', 'fail', 'insufficient_data')),
  -- X's configuration changed during the freeze (the newest drift check found changes).
  ADD COLUMN drift_detected boolean NOT NULL DEFAULT false,
  -- The approved gate whose traffic job (shift, rollback, complete) the run is waiting for.
  ADD COLUMN in_flight_gate_id uuid REFERENCES gates (id);

ALTER TABLE gates
  -- Distinct approvals this gate needs (fixed when it is requested).
  ADD COLUMN required_approvals integer NOT NULL DEFAULT 1 CHECK (required_approvals BETWEEN 1 AND 20);

-- One row per approver of a gate; the primary key makes an approval count once per person.
CREATE TABLE gate_approvals (
  gate_id uuid NOT NULL REFERENCES gates (id),
  user_id text NOT NULL,
  approved_at timestamptz NOT NULL,
  PRIMARY KEY (gate_id, user_id)
);
