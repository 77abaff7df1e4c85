CREATE TABLE "individual_offers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"seller_id" bigint NOT NULL,
	"buyer_id" bigint NOT NULL,
	"based_on_offer_id" bigint NOT NULL,
	"description" text NOT NULL,
	"price_cents" integer NOT NULL,
	"lead_time_days" integer NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"conversation_id" bigint,
	"message_id" bigint,
	"request_id" bigint,
	"order_id" bigint,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	CONSTRAINT "individual_offers_price" CHECK ("individual_offers"."price_cents" between 1000 and 100000),
	CONSTRAINT "individual_offers_lead_time" CHECK ("individual_offers"."lead_time_days" between 1 and 30),
	CONSTRAINT "individual_offers_parties" CHECK ("individual_offers"."seller_id" <> "individual_offers"."buyer_id"),
	CONSTRAINT "individual_offers_accepted_order" CHECK (("individual_offers"."status" = 'accepted') = ("individual_offers"."order_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "order_group_orders" (
	"group_id" bigint NOT NULL,
	"order_id" bigint NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "order_group_orders_group_id_order_id_pk" PRIMARY KEY("group_id","order_id")
);
--> statement-breakpoint
CREATE TABLE "order_groups" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"buyer_id" bigint NOT NULL,
	"request_key" text NOT NULL,
	"brief" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "individual_offers" ADD CONSTRAINT "individual_offers_seller_id_users_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "individual_offers" ADD CONSTRAINT "individual_offers_buyer_id_users_id_fk" FOREIGN KEY ("buyer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "individual_offers" ADD CONSTRAINT "individual_offers_based_on_offer_id_offers_id_fk" FOREIGN KEY ("based_on_offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "individual_offers" ADD CONSTRAINT "individual_offers_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "individual_offers" ADD CONSTRAINT "individual_offers_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "individual_offers" ADD CONSTRAINT "individual_offers_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_group_orders" ADD CONSTRAINT "order_group_orders_group_id_order_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."order_groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_group_orders" ADD CONSTRAINT "order_group_orders_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_groups" ADD CONSTRAINT "order_groups_buyer_id_users_id_fk" FOREIGN KEY ("buyer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "individual_offers_buyer_idx" ON "individual_offers" USING btree ("buyer_id","id");--> statement-breakpoint
CREATE INDEX "individual_offers_seller_idx" ON "individual_offers" USING btree ("seller_id","id");--> statement-breakpoint
CREATE INDEX "individual_offers_conversation_idx" ON "individual_offers" USING btree ("conversation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "order_group_orders_order_once" ON "order_group_orders" USING btree ("order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "order_groups_request_once" ON "order_groups" USING btree ("buyer_id","request_key");--> statement-breakpoint
CREATE INDEX "order_groups_buyer_idx" ON "order_groups" USING btree ("buyer_id","id");