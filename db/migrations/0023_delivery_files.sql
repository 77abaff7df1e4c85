CREATE TABLE "delivery_attachments" (
	"order_id" bigint NOT NULL,
	"attachment_id" text NOT NULL,
	CONSTRAINT "delivery_attachments_order_id_attachment_id_pk" PRIMARY KEY("order_id","attachment_id")
);
--> statement-breakpoint
ALTER TABLE "delivery_attachments" ADD CONSTRAINT "delivery_attachments_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery_attachments" ADD CONSTRAINT "delivery_attachments_attachment_id_attachments_id_fk" FOREIGN KEY ("attachment_id") REFERENCES "public"."attachments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "delivery_attachments_attachment_idx" ON "delivery_attachments" USING btree ("attachment_id");