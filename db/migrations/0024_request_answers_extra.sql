CREATE TABLE "request_attachments" (
	"request_id" bigint NOT NULL,
	"attachment_id" text NOT NULL,
	"position" smallint NOT NULL,
	CONSTRAINT "request_attachments_request_id_attachment_id_pk" PRIMARY KEY("request_id","attachment_id")
);
--> statement-breakpoint
ALTER TABLE "request_answers" ADD COLUMN "individual_offer_id" bigint;--> statement-breakpoint
ALTER TABLE "request_attachments" ADD CONSTRAINT "request_attachments_request_id_service_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."service_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_attachments" ADD CONSTRAINT "request_attachments_attachment_id_attachments_id_fk" FOREIGN KEY ("attachment_id") REFERENCES "public"."attachments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "request_attachments_attachment_idx" ON "request_attachments" USING btree ("attachment_id");--> statement-breakpoint
ALTER TABLE "individual_offers" ADD CONSTRAINT "individual_offers_request_id_service_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."service_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_answers" ADD CONSTRAINT "request_answers_individual_offer_id_individual_offers_id_fk" FOREIGN KEY ("individual_offer_id") REFERENCES "public"."individual_offers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "request_answers" ADD CONSTRAINT "request_answers_individual_offer" CHECK (("request_answers"."kind" = 'individual_offer') = ("request_answers"."individual_offer_id" is not null));