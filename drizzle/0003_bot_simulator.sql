CREATE TYPE "public"."bot_simulator" AS ENUM('off', 'on', 'only');--> statement-breakpoint
ALTER TABLE "bots" ADD COLUMN "simulator" "bot_simulator" DEFAULT 'off' NOT NULL;