CREATE TABLE "request_answers" (
	"request_id" bigint NOT NULL,
	"answer_id" integer NOT NULL,
	"kind" text NOT NULL,
	"seller_id" bigint NOT NULL,
	"offer_id" bigint,
	"offer_title" text NOT NULL,
	"price_cents" bigint NOT NULL,
	"comment" text,
	"status" text NOT NULL,
	"order_id" bigint,
	"answered_at" timestamp with time zone NOT NULL,
	CONSTRAINT "request_answers_request_id_answer_id_pk" PRIMARY KEY("request_id","answer_id")
);
--> statement-breakpoint
CREATE TABLE "service_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"buyer_id" bigint NOT NULL,
	"category_id" integer NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"budget_cents" bigint,
	"status" text NOT NULL,
	"status_reason" text,
	"posted_at" timestamp with time zone NOT NULL,
	"approved_at" timestamp with time zone,
	"active_until" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"answers_count" integer DEFAULT 0 NOT NULL,
	"seq" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "service_requests_budget" CHECK ("service_requests"."budget_cents" is null or "service_requests"."budget_cents" > 0)
);
--> statement-breakpoint
ALTER TABLE "request_answers" ADD CONSTRAINT "request_answers_request_id_service_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."service_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_answers" ADD CONSTRAINT "request_answers_seller_id_users_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_answers" ADD CONSTRAINT "request_answers_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_answers" ADD CONSTRAINT "request_answers_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_requests" ADD CONSTRAINT "service_requests_buyer_id_users_id_fk" FOREIGN KEY ("buyer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_requests" ADD CONSTRAINT "service_requests_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "request_answers_seller_idx" ON "request_answers" USING btree ("seller_id");--> statement-breakpoint
CREATE INDEX "service_requests_buyer_idx" ON "service_requests" USING btree ("buyer_id","id");--> statement-breakpoint
CREATE INDEX "service_requests_status_idx" ON "service_requests" USING btree ("status","category_id");