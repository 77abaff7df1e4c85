CREATE TABLE "workflow_attention" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"process" text NOT NULL,
	"entity_id" bigint NOT NULL,
	"failure_type" text NOT NULL,
	"reason" text NOT NULL,
	"flagged_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" bigint,
	"resolution" jsonb
);
--> statement-breakpoint
ALTER TABLE "workflow_attention" ADD CONSTRAINT "workflow_attention_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_attention_open" ON "workflow_attention" USING btree ("workflow_id") WHERE resolved_at is null;--> statement-breakpoint
CREATE INDEX "workflow_attention_flagged" ON "workflow_attention" USING btree ("flagged_at");