CREATE TABLE "payout_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"scheduled_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"holiday" text,
	"taken" integer DEFAULT 0 NOT NULL,
	"paid_count" integer DEFAULT 0 NOT NULL,
	"failed_count" integer DEFAULT 0 NOT NULL,
	"gross" bigint DEFAULT 0 NOT NULL,
	"fees" bigint DEFAULT 0 NOT NULL,
	"net" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reconciled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "provider_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"subject_kind" text,
	"subject_ref" text,
	"payload" jsonb NOT NULL,
	"status" text NOT NULL,
	"note" text,
	"deliveries" integer DEFAULT 1 NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "withdrawals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"method" text NOT NULL,
	"destination" text NOT NULL,
	"destination_label" text NOT NULL,
	"amount" bigint NOT NULL,
	"fee" bigint NOT NULL,
	"net" bigint NOT NULL,
	"status" text NOT NULL,
	"status_reason" text,
	"expected_batch_at" timestamp with time zone NOT NULL,
	"batch_id" text,
	"provider_ref" text,
	"request_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "withdrawals_amounts" CHECK ("withdrawals"."amount" > 0 and "withdrawals"."fee" >= 0 and "withdrawals"."net" > 0 and "withdrawals"."fee" + "withdrawals"."net" = "withdrawals"."amount")
);
--> statement-breakpoint
ALTER TABLE "top_ups" ALTER COLUMN "gateway_ref" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "card_lots" ADD COLUMN "refunded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "top_ups" ADD COLUMN "checkout_url" text;--> statement-breakpoint
ALTER TABLE "top_ups" ADD COLUMN "refunded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "top_ups" ADD COLUMN "refund_ref" text;--> statement-breakpoint
ALTER TABLE "payout_details" ADD COLUMN "token" text;--> statement-breakpoint
ALTER TABLE "payout_details" ADD COLUMN "card_fingerprint" text;--> statement-breakpoint
ALTER TABLE "withdrawal_locks" ADD COLUMN "scope" text DEFAULT 'withdrawals' NOT NULL;--> statement-breakpoint
ALTER TABLE "withdrawals" ADD CONSTRAINT "withdrawals_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "provider_events_once" ON "provider_events" USING btree ("provider","event_id");--> statement-breakpoint
CREATE INDEX "provider_events_status_idx" ON "provider_events" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "withdrawals_user_idx" ON "withdrawals" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "withdrawals_open_idx" ON "withdrawals" USING btree ("status","expected_batch_at");--> statement-breakpoint
CREATE UNIQUE INDEX "withdrawals_request_key" ON "withdrawals" USING btree ("user_id","request_key");--> statement-breakpoint
-- D-10: a login change locks the payout details (not withdrawals); an email change does both.
UPDATE "withdrawal_locks" SET "scope" = 'payout_details' WHERE "reason" = 'login_change';--> statement-breakpoint
INSERT INTO "withdrawal_locks" ("user_id", "reason", "starts_at", "ends_at", "scope")
  SELECT "user_id", "reason", "starts_at", "ends_at", 'payout_details' FROM "withdrawal_locks" WHERE "reason" = 'email_change';
