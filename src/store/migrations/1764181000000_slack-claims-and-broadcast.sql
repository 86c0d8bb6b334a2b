-- Slack messages are posted outside any transaction: a poster claims the gate's message or the run's
-- card until then (a dead poster's claim runs out and another one posts), instead of holding a pooled
-- connection and an advisory lock while Slack answers.
ALTER TABLE gates ADD COLUMN message_claimed_until timestamptz;
ALTER TABLE runs ADD COLUMN card_claimed_until timestamptz;
-- A thread line that is also shown in the channel (reply_broadcast): failures, rollbacks, completion.
ALTER TABLE thread_outbox ADD COLUMN broadcast boolean NOT NULL DEFAULT false;
