CREATE TABLE "order_starts" (
	"order_id" bigint PRIMARY KEY NOT NULL,
	"input" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "order_starts" ADD CONSTRAINT "order_starts_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;