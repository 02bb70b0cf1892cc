CREATE TABLE "polling_leases" (
	"bot_id" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"next_update_id" bigint DEFAULT 0 NOT NULL,
	"offset_saved_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "polling_leases" ADD CONSTRAINT "polling_leases_bot_id_bots_id_fk" FOREIGN KEY ("bot_id") REFERENCES "public"."bots"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- Every process that acts on bots (API replicas: polling and the webhook's cache; workers: the
-- Telegram clients they keep) LISTENs on `bot_changed` (src/bots/bot-changes.ts). A trigger, not
-- the application, sends it: every write reaches them – through any API replica, the start-up
-- bot, a re-encryption, a hand-made UPDATE – and only once it is committed. The payload names the
-- bot; the column holding its id is the trigger's argument.
CREATE FUNCTION notify_bot_changed() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('bot_changed', to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END) ->> TG_ARGV[0]);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER bots_notify_changed
  AFTER INSERT OR UPDATE OR DELETE ON bots
  FOR EACH ROW EXECUTE FUNCTION notify_bot_changed('id');
--> statement-breakpoint
-- The webhook's cache holds the main flow's active version too.
CREATE TRIGGER flows_notify_changed
  AFTER INSERT OR UPDATE OF active_version_id ON flows
  FOR EACH ROW EXECUTE FUNCTION notify_bot_changed('bot_id');
