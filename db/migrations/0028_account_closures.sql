CREATE TABLE "account_closures" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"reason" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"withdrawn_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"completed_by" bigint,
	CONSTRAINT "account_closures_reason_length" CHECK (char_length("account_closures"."reason") between 1 and 2000),
	CONSTRAINT "account_closures_one_ending" CHECK ("account_closures"."withdrawn_at" is null or "account_closures"."completed_at" is null),
	CONSTRAINT "account_closures_completed_by" CHECK (("account_closures"."completed_at" is null) = ("account_closures"."completed_by" is null))
);
--> statement-breakpoint
ALTER TABLE "account_closures" ADD CONSTRAINT "account_closures_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_closures" ADD CONSTRAINT "account_closures_completed_by_users_id_fk" FOREIGN KEY ("completed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "account_closures_open" ON "account_closures" USING btree ("user_id") WHERE "account_closures"."withdrawn_at" is null and "account_closures"."completed_at" is null;--> statement-breakpoint
CREATE INDEX "account_closures_requested_idx" ON "account_closures" USING btree ("requested_at");