CREATE TYPE "public"."payment_status" AS ENUM('paid', 'refunding', 'refunded');--> statement-breakpoint
ALTER TYPE "public"."ledger_reason" ADD VALUE 'purchase';--> statement-breakpoint
ALTER TYPE "public"."ledger_reason" ADD VALUE 'purchase_refund';--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"bot_id" text NOT NULL,
	"chat_id" text NOT NULL,
	"user_id" text NOT NULL,
	"telegram_user_id" bigint NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"stars" integer NOT NULL,
	"credits" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"paid_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "invoices_stars_positive" CHECK ("invoices"."stars" >= 1),
	CONSTRAINT "invoices_credits_positive" CHECK ("invoices"."credits" >= 1)
);
--> statement-breakpoint
CREATE TABLE "star_payments" (
	"charge_id" text PRIMARY KEY NOT NULL,
	"invoice_id" text NOT NULL,
	"bot_id" text NOT NULL,
	"chat_id" text NOT NULL,
	"user_id" text NOT NULL,
	"telegram_user_id" bigint NOT NULL,
	"stars" integer NOT NULL,
	"credits" bigint NOT NULL,
	"status" "payment_status" DEFAULT 'paid' NOT NULL,
	"refund_id" text,
	"refunded_credits" bigint DEFAULT 0 NOT NULL,
	"refund_source" text,
	"refunded_at" timestamp with time zone,
	"handled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "charge_id" text;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_bot_id_bots_id_fk" FOREIGN KEY ("bot_id") REFERENCES "public"."bots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "star_payments" ADD CONSTRAINT "star_payments_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "star_payments" ADD CONSTRAINT "star_payments_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "star_payments_user" ON "star_payments" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "star_payments_invoice" ON "star_payments" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "credit_ledger_charge" ON "credit_ledger" USING btree ("charge_id");--> statement-breakpoint
-- A refunded payment stays refunded: a late or repeated refund step can never make it `paid` again
-- (which would let it be refunded twice), whatever the application does.
CREATE FUNCTION star_payments_keep_refunded() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'refunded' AND NEW.status IS DISTINCT FROM OLD.status THEN
    RAISE EXCEPTION 'payment % is refunded and cannot become %', OLD.charge_id, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER star_payments_keep_refunded
  BEFORE UPDATE OF status ON star_payments
  FOR EACH ROW EXECUTE FUNCTION star_payments_keep_refunded();
