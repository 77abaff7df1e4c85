CREATE TABLE "affiliate_commissions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" bigint NOT NULL,
	"affiliate_id" bigint NOT NULL,
	"client_id" bigint NOT NULL,
	"level" smallint NOT NULL,
	"bps" integer NOT NULL,
	"job_cents" bigint NOT NULL,
	"amount_cents" bigint NOT NULL,
	"earned_at" timestamp with time zone NOT NULL,
	CONSTRAINT "affiliate_commissions_job_id_unique" UNIQUE("job_id"),
	CONSTRAINT "affiliate_commissions_level" CHECK ("affiliate_commissions"."level" between 1 and 3),
	CONSTRAINT "affiliate_commissions_amounts" CHECK ("affiliate_commissions"."job_cents" >= 0 and "affiliate_commissions"."amount_cents" between 0 and 20000)
);
--> statement-breakpoint
CREATE TABLE "affiliate_payout_settings" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"paypal_email" text NOT NULL,
	"auto_payout" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "affiliate_withdrawals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"affiliate_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"amount_cents" bigint NOT NULL,
	"paypal_email" text NOT NULL,
	"run_month" text NOT NULL,
	"status" text NOT NULL,
	"provider_ref" text,
	"failure_reason" text,
	"requested_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "affiliate_withdrawals_amount" CHECK ("affiliate_withdrawals"."amount_cents" >= 100),
	CONSTRAINT "affiliate_withdrawals_run_month" CHECK ("affiliate_withdrawals"."run_month" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')
);
--> statement-breakpoint
ALTER TABLE "ledger_accounts" DROP CONSTRAINT "ledger_accounts_no_negative_user_money";--> statement-breakpoint
ALTER TABLE "affiliate_commissions" ADD CONSTRAINT "affiliate_commissions_affiliate_id_affiliates_user_id_fk" FOREIGN KEY ("affiliate_id") REFERENCES "public"."affiliates"("user_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "affiliate_commissions" ADD CONSTRAINT "affiliate_commissions_client_id_users_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "affiliate_payout_settings" ADD CONSTRAINT "affiliate_payout_settings_user_id_affiliates_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."affiliates"("user_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "affiliate_withdrawals" ADD CONSTRAINT "affiliate_withdrawals_affiliate_id_affiliates_user_id_fk" FOREIGN KEY ("affiliate_id") REFERENCES "public"."affiliates"("user_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "affiliate_commissions_affiliate_idx" ON "affiliate_commissions" USING btree ("affiliate_id","earned_at");--> statement-breakpoint
CREATE INDEX "affiliate_withdrawals_affiliate_idx" ON "affiliate_withdrawals" USING btree ("affiliate_id","id");--> statement-breakpoint
CREATE INDEX "affiliate_withdrawals_run_idx" ON "affiliate_withdrawals" USING btree ("run_month","status");--> statement-breakpoint
CREATE UNIQUE INDEX "affiliate_withdrawals_automatic_once" ON "affiliate_withdrawals" USING btree ("affiliate_id","run_month") WHERE "affiliate_withdrawals"."kind" = 'automatic';--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_no_negative_user_money" CHECK ("ledger_accounts"."kind" not in ('main', 'bonus', 'escrow', 'affiliate_wallet') or "ledger_accounts"."balance" >= 0);