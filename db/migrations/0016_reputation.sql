CREATE TABLE "buyer_stats" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"purchases" integer DEFAULT 0 NOT NULL,
	"rank" text,
	"super_buyer" boolean DEFAULT false NOT NULL,
	"recent_purchases" integer DEFAULT 0 NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deleted_feedback" (
	"order_id" bigint PRIMARY KEY NOT NULL,
	"buyer_id" bigint NOT NULL,
	"seller_id" bigint NOT NULL,
	"offer_id" bigint NOT NULL,
	"verdict" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"deleted_by" bigint NOT NULL,
	"deleted_at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "seller_stats" ADD COLUMN "stars_tenths" integer;--> statement-breakpoint
ALTER TABLE "seller_stats" ADD COLUMN "positive_feedback" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "seller_stats" ADD COLUMN "negative_feedback" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "seller_stats" ADD COLUMN "finished_orders" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "seller_stats" ADD COLUMN "successfully_completed_percent" integer;--> statement-breakpoint
ALTER TABLE "seller_stats" ADD COLUMN "on_time_percent" integer;--> statement-breakpoint
ALTER TABLE "seller_stats" ADD COLUMN "analytics" jsonb;--> statement-breakpoint
ALTER TABLE "seller_stats" ADD COLUMN "level_changed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "seller_stats" ADD COLUMN "computed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "buyer_stats" ADD CONSTRAINT "buyer_stats_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deleted_feedback" ADD CONSTRAINT "deleted_feedback_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deleted_feedback" ADD CONSTRAINT "deleted_feedback_buyer_id_users_id_fk" FOREIGN KEY ("buyer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deleted_feedback" ADD CONSTRAINT "deleted_feedback_seller_id_users_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deleted_feedback" ADD CONSTRAINT "deleted_feedback_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deleted_feedback" ADD CONSTRAINT "deleted_feedback_deleted_by_users_id_fk" FOREIGN KEY ("deleted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "buyer_stats_super_idx" ON "buyer_stats" USING btree ("evaluated_at") WHERE "buyer_stats"."super_buyer";--> statement-breakpoint
CREATE INDEX "deleted_feedback_seller_idx" ON "deleted_feedback" USING btree ("seller_id");