CREATE TABLE "reports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"reporter_id" bigint NOT NULL,
	"subject" text NOT NULL,
	"subject_id" bigint NOT NULL,
	"accused_id" bigint NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" bigint,
	"resolution" text
);
--> statement-breakpoint
CREATE TABLE "sanctions" (
	"user_id" bigint NOT NULL,
	"seq" integer NOT NULL,
	"action" text NOT NULL,
	"kind" text,
	"reason" text NOT NULL,
	"until" timestamp with time zone,
	"staff_id" bigint,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "sanctions_user_id_seq_pk" PRIMARY KEY("user_id","seq")
);
--> statement-breakpoint
CREATE TABLE "standings" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"offers_blocked_until" timestamp with time zone,
	"offers_block_reason" text,
	"account_blocked_until" timestamp with time zone,
	"account_block_reason" text,
	"kind" text,
	"level" text NOT NULL,
	"seq" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "support_handovers" (
	"order_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "support_handovers_order_id_user_id_pk" PRIMARY KEY("order_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_reporter_id_users_id_fk" FOREIGN KEY ("reporter_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_accused_id_users_id_fk" FOREIGN KEY ("accused_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sanctions" ADD CONSTRAINT "sanctions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sanctions" ADD CONSTRAINT "sanctions_staff_id_users_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "standings" ADD CONSTRAINT "standings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support_handovers" ADD CONSTRAINT "support_handovers_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support_handovers" ADD CONSTRAINT "support_handovers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "reports_open_once" ON "reports" USING btree ("reporter_id","subject","subject_id") WHERE "reports"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX "reports_queue_idx" ON "reports" USING btree ("created_at") WHERE "reports"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX "standings_offers_blocked_idx" ON "standings" USING btree ("offers_blocked_until") WHERE "standings"."offers_blocked_until" is not null;--> statement-breakpoint
CREATE INDEX "standings_account_blocked_idx" ON "standings" USING btree ("account_blocked_until") WHERE "standings"."account_blocked_until" is not null;--> statement-breakpoint
-- hand-written below
-- K-64, K-65: while a seller's offers (or whole account) are blocked, their offers are
-- `suspended` — out of search, whose indexes cover `active` offers only, and not orderable.
-- The standing's write suspends the active ones and restores them when the block lifts; this
-- trigger makes an offer that turns active meanwhile (approved by moderation, resumed by its
-- seller) land suspended too, so no path around the block exists. A block holds while its
-- column is set: the workflow's timer clears it, not the database's clock.
CREATE FUNCTION offers_suspend_while_blocked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'active' AND EXISTS (
    SELECT 1 FROM standings s
     WHERE s.user_id = NEW.seller_id
       AND (s.offers_blocked_until IS NOT NULL OR s.account_blocked_until IS NOT NULL)
  ) THEN
    NEW.status := 'suspended';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER offers_suspend_while_blocked
  BEFORE INSERT OR UPDATE OF status ON offers
  FOR EACH ROW EXECUTE FUNCTION offers_suspend_while_blocked();
