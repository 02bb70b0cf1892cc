CREATE TABLE "send_pace" (
	"key" text PRIMARY KEY NOT NULL,
	"tat" timestamp (3) with time zone NOT NULL
);

--> statement-breakpoint
-- Pace is momentary: after a crash an empty table only means a fresh burst. Unlogged, its writes
-- skip the WAL and a reservation's commit waits for no disk flush.
ALTER TABLE "send_pace" SET UNLOGGED;
--> statement-breakpoint
-- One message's send slot for a bot and a chat, shared by every worker (GCRA: each key keeps the
-- theoretical arrival time of its next message; a burst may run that far ahead of now). The slot
-- is reserved only if it comes within `max_wait_ms` (the caller's deadline): an attempt that could
-- not send in time takes nothing, and is told how long it would have had to wait.
CREATE OR REPLACE FUNCTION reserve_send_slot(
	bot_key text, bot_interval_ms double precision, bot_burst integer,
	chat_key text, chat_interval_ms double precision, chat_burst integer,
	max_wait_ms double precision,
	OUT wait_ms double precision, OUT reserved boolean
) LANGUAGE plpgsql AS $$
DECLARE
	now_ts timestamptz := clock_timestamp();
	ms interval := interval '1 millisecond';
	bot_tat timestamptz;
	chat_tat timestamptz;
	slot timestamptz;
BEGIN
	INSERT INTO send_pace (key, tat) VALUES (bot_key, now_ts), (chat_key, now_ts) ON CONFLICT (key) DO NOTHING;
	-- Always the bot's row first, then the chat's: every caller locks in the same order.
	SELECT tat INTO bot_tat FROM send_pace WHERE key = bot_key FOR UPDATE;
	SELECT tat INTO chat_tat FROM send_pace WHERE key = chat_key FOR UPDATE;
	slot := greatest(now_ts, bot_tat - (bot_burst - 1) * bot_interval_ms * ms, chat_tat - (chat_burst - 1) * chat_interval_ms * ms);
	wait_ms := extract(epoch FROM slot - now_ts) * 1000;
	reserved := wait_ms <= max_wait_ms;
	IF reserved THEN
		-- The bot's pace is charged now, not at the slot: a message held back for its chat must not
		-- hold back the bot's other chats (slots of different chats are not in time order).
		UPDATE send_pace SET tat = greatest(tat, now_ts) + bot_interval_ms * ms WHERE key = bot_key;
		UPDATE send_pace SET tat = greatest(tat, slot) + chat_interval_ms * ms WHERE key = chat_key;
	END IF;
	-- Rows of chats quiet for an hour carry no pace any more; pruned now and then, by the way.
	IF random() < 0.001 THEN
		DELETE FROM send_pace WHERE tat < now_ts - interval '1 hour';
	END IF;
END
$$;
