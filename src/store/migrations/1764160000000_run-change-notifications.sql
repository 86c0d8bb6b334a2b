-- Every committed change to a run or its audit log is announced (NOTIFY is delivered at commit), so a
-- process that keeps runs in memory (the bot answering status) can drop its copy at once.
CREATE FUNCTION kong_upgrade_notify_run_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Separate branches: NEW has only the columns of the table that fired.
  IF TG_TABLE_NAME = 'runs' THEN
    PERFORM pg_notify('kong_upgrade_run_changed', NEW.id);
  ELSE
    PERFORM pg_notify('kong_upgrade_run_changed', NEW.run_id);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER runs_notify_changed AFTER INSERT OR UPDATE ON runs
  FOR EACH ROW EXECUTE FUNCTION kong_upgrade_notify_run_changed();
CREATE TRIGGER run_events_notify_changed AFTER INSERT ON run_events
  FOR EACH ROW EXECUTE FUNCTION kong_upgrade_notify_run_changed();
