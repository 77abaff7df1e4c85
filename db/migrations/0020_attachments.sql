CREATE TABLE "attachments" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" bigint NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "attachments_id_shape" CHECK ("attachments"."id" ~ '^[A-Za-z0-9_-]{22}$'),
	CONSTRAINT "attachments_size" CHECK ("attachments"."size" between 1 and 4194304),
	CONSTRAINT "attachments_name_length" CHECK (char_length("attachments"."name") between 1 and 200),
	CONSTRAINT "attachments_sha256_shape" CHECK ("attachments"."sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "message_attachments" (
	"message_id" bigint NOT NULL,
	"attachment_id" text NOT NULL,
	"position" smallint NOT NULL,
	CONSTRAINT "message_attachments_message_id_attachment_id_pk" PRIMARY KEY("message_id","attachment_id")
);
--> statement-breakpoint
CREATE TABLE "offer_images" (
	"offer_id" bigint NOT NULL,
	"attachment_id" text NOT NULL,
	"position" smallint NOT NULL,
	CONSTRAINT "offer_images_offer_id_attachment_id_pk" PRIMARY KEY("offer_id","attachment_id")
);
--> statement-breakpoint
CREATE TABLE "portfolio_item_attachments" (
	"item_id" bigint NOT NULL,
	"attachment_id" text NOT NULL,
	"position" smallint NOT NULL,
	CONSTRAINT "portfolio_item_attachments_item_id_attachment_id_pk" PRIMARY KEY("item_id","attachment_id")
);
--> statement-breakpoint
CREATE TABLE "portfolio_items" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"order_id" bigint NOT NULL,
	"seller_id" bigint NOT NULL,
	"offer_id" bigint NOT NULL,
	"title" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "portfolio_items_order_id_unique" UNIQUE("order_id"),
	CONSTRAINT "portfolio_items_title_length" CHECK (char_length("portfolio_items"."title") between 1 and 120)
);
--> statement-breakpoint
CREATE TABLE "portfolio_refusals" (
	"order_id" bigint PRIMARY KEY NOT NULL,
	"refused_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_text_length";--> statement-breakpoint
ALTER TABLE "categories" ADD COLUMN "portfolio" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_attachment_id_attachments_id_fk" FOREIGN KEY ("attachment_id") REFERENCES "public"."attachments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offer_images" ADD CONSTRAINT "offer_images_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offer_images" ADD CONSTRAINT "offer_images_attachment_id_attachments_id_fk" FOREIGN KEY ("attachment_id") REFERENCES "public"."attachments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portfolio_item_attachments" ADD CONSTRAINT "portfolio_item_attachments_item_id_portfolio_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."portfolio_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portfolio_item_attachments" ADD CONSTRAINT "portfolio_item_attachments_attachment_id_attachments_id_fk" FOREIGN KEY ("attachment_id") REFERENCES "public"."attachments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portfolio_items" ADD CONSTRAINT "portfolio_items_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portfolio_items" ADD CONSTRAINT "portfolio_items_seller_id_users_id_fk" FOREIGN KEY ("seller_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portfolio_items" ADD CONSTRAINT "portfolio_items_offer_id_offers_id_fk" FOREIGN KEY ("offer_id") REFERENCES "public"."offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "portfolio_refusals" ADD CONSTRAINT "portfolio_refusals_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attachments_owner_idx" ON "attachments" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "message_attachments_attachment_idx" ON "message_attachments" USING btree ("attachment_id");--> statement-breakpoint
CREATE INDEX "offer_images_attachment_idx" ON "offer_images" USING btree ("attachment_id");--> statement-breakpoint
CREATE INDEX "portfolio_item_attachments_attachment_idx" ON "portfolio_item_attachments" USING btree ("attachment_id");--> statement-breakpoint
CREATE INDEX "portfolio_items_seller_idx" ON "portfolio_items" USING btree ("seller_id","id");--> statement-breakpoint
CREATE INDEX "portfolio_items_offer_idx" ON "portfolio_items" USING btree ("offer_id","id");--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_text_length" CHECK (char_length("messages"."text") <= 4000);--> statement-breakpoint
-- hand-written below
-- K-37: the Design and the Audio and video subtrees (roots and their children) take portfolios.
UPDATE categories SET portfolio = true WHERE id IN (1, 5) OR parent_id IN (1, 5);
