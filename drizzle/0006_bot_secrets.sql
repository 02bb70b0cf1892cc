CREATE TABLE "bot_secrets" (
	"bot_id" text NOT NULL,
	"name" text NOT NULL,
	"ciphertext" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bot_secrets_bot_id_name_pk" PRIMARY KEY("bot_id","name")
);
--> statement-breakpoint
ALTER TABLE "bot_secrets" ADD CONSTRAINT "bot_secrets_bot_id_bots_id_fk" FOREIGN KEY ("bot_id") REFERENCES "public"."bots"("id") ON DELETE no action ON UPDATE no action;