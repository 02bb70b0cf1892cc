-- A job that reached a terminal status keeps it: a stale worker attempt that finishes late can
-- never turn `failed` (already refunded) into `completed`, whatever the application does.
CREATE FUNCTION generation_jobs_keep_terminal_status() RETURNS trigger AS $$
BEGIN
  IF OLD.status IN ('completed', 'failed', 'cancelled', 'rejected') AND NEW.status IS DISTINCT FROM OLD.status THEN
    RAISE EXCEPTION 'generation job % is %, a terminal status, and cannot become %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER generation_jobs_keep_terminal_status
  BEFORE UPDATE OF status ON generation_jobs
  FOR EACH ROW EXECUTE FUNCTION generation_jobs_keep_terminal_status();
