CREATE TABLE "job_attachments" (
	"job_id" bigint NOT NULL,
	"attachment_id" text NOT NULL,
	CONSTRAINT "job_attachments_job_id_attachment_id_pk" PRIMARY KEY("job_id","attachment_id")
);
--> statement-breakpoint
CREATE TABLE "job_installs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"price_cents" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "job_installs_price" CHECK ("job_installs"."price_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"client_id" bigint NOT NULL,
	"expert_id" bigint,
	"install_id" bigint,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"site_url" text,
	"urgency" text NOT NULL,
	"budget_cents" integer,
	"status" text NOT NULL,
	"price_cents" integer,
	"paid_cents" integer DEFAULT 0 NOT NULL,
	"ordered_at" timestamp with time zone NOT NULL,
	"first_answer_due_at" timestamp with time zone,
	"first_answered_at" timestamp with time zone,
	"auto_approve_at" timestamp with time zone,
	"approved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"request_key" text,
	"view" jsonb,
	"event_seq" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"review_stars" smallint,
	"review_comment" text,
	"reviewed_at" timestamp with time zone,
	"conversation_resumed_at" timestamp with time zone,
	CONSTRAINT "jobs_kind_install" CHECK (("jobs"."kind" = 'install') = ("jobs"."install_id" is not null)),
	CONSTRAINT "jobs_budget" CHECK ("jobs"."budget_cents" is null or "jobs"."budget_cents" > 0),
	CONSTRAINT "jobs_review_stars" CHECK ("jobs"."review_stars" is null or "jobs"."review_stars" between 1 and 5)
);
--> statement-breakpoint
ALTER TABLE "conversations" DROP CONSTRAINT "conversations_kind_shape";--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "job_id" bigint;--> statement-breakpoint
ALTER TABLE "job_attachments" ADD CONSTRAINT "job_attachments_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_attachments" ADD CONSTRAINT "job_attachments_attachment_id_attachments_id_fk" FOREIGN KEY ("attachment_id") REFERENCES "public"."attachments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_client_id_users_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_expert_id_users_id_fk" FOREIGN KEY ("expert_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_install_id_job_installs_id_fk" FOREIGN KEY ("install_id") REFERENCES "public"."job_installs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jobs_client_idx" ON "jobs" USING btree ("client_id","id");--> statement-breakpoint
CREATE INDEX "jobs_expert_idx" ON "jobs" USING btree ("expert_id","id");--> statement-breakpoint
CREATE INDEX "jobs_queue_idx" ON "jobs" USING btree ("status","ordered_at") WHERE "jobs"."status" = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_request_key" ON "jobs" USING btree ("client_id","request_key") WHERE "jobs"."request_key" is not null;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_job_once" ON "conversations" USING btree ("job_id") WHERE "conversations"."job_id" is not null;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_kind_shape" CHECK (("conversations"."kind" = 'order' and "conversations"."order_id" is not null and "conversations"."job_id" is null and "conversations"."user_low" is null and "conversations"."user_high" is null)
        or ("conversations"."kind" = 'direct' and "conversations"."order_id" is null and "conversations"."job_id" is null and "conversations"."user_low" < "conversations"."user_high")
        or ("conversations"."kind" = 'job' and "conversations"."job_id" is not null and "conversations"."order_id" is null and "conversations"."user_low" is null and "conversations"."user_high" is null));--> statement-breakpoint
-- hand-written below
-- W-06: the installation services a new platform offers at fixed prices; staff change or retire them later.
INSERT INTO "job_installs" ("name", "description", "price_cents") VALUES
  ('WordPress installation', 'A fresh WordPress on your hosting: database, admin account, permalinks and basic security settings.', 4900),
  ('Theme installation', 'Installing and activating a theme you bought, with its demo content and required plugins.', 5900),
  ('Plugin installation and setup', 'Installing one plugin and configuring it to your instructions.', 2900),
  ('SSL certificate installation', 'A Let''s Encrypt or purchased certificate installed, HTTPS enforced and mixed content fixed.', 3900);
