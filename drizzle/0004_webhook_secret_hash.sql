ALTER TABLE "bots" ADD COLUMN "webhook_secret_hash" text;--> statement-breakpoint
ALTER TABLE "bots" ADD COLUMN "webhook_secret_ciphertext" text;--> statement-breakpoint
-- Plain secrets become their SHA-256 (what the webhook checks). SQL has no key to encrypt them
-- with: the ingress gives such a bot a new secret the next time it registers its webhook.
UPDATE "bots" SET "webhook_secret_hash" = encode(sha256(convert_to("webhook_secret", 'UTF8')), 'hex') WHERE "webhook_secret" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "bots" DROP COLUMN "webhook_secret";
