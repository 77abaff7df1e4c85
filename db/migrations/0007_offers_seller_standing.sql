ALTER TABLE "offers" ADD COLUMN "seller_level" text DEFAULT 'newbie' NOT NULL;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "seller_rating_percent" integer;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "seller_feedback_count" integer DEFAULT 0 NOT NULL;