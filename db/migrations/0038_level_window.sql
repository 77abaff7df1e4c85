ALTER TABLE "seller_stats" ADD COLUMN "level_window_size" integer;--> statement-breakpoint
ALTER TABLE "seller_stats" ADD COLUMN "level_window_bad" integer;