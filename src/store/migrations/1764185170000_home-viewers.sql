-- Who opened the bot's App Home tab and when: their tab is published again when runs change, for a
-- while after their last visit (any bot process may publish it, so this is not kept in memory).
CREATE TABLE home_viewers (
  user_id text PRIMARY KEY,
  opened_at timestamptz NOT NULL
);
