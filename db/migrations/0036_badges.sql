CREATE TABLE "badge_awards" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"reason" text NOT NULL,
	"awarded_by" bigint,
	"awarded_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" bigint
);
--> statement-breakpoint
ALTER TABLE "badge_awards" ADD CONSTRAINT "badge_awards_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "badge_awards" ADD CONSTRAINT "badge_awards_awarded_by_users_id_fk" FOREIGN KEY ("awarded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "badge_awards" ADD CONSTRAINT "badge_awards_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "badge_awards_user_idx" ON "badge_awards" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "badge_awards_once" ON "badge_awards" USING btree ("user_id","kind",lower("reason")) WHERE "badge_awards"."revoked_at" is null;--> statement-breakpoint
-- Hand-written: the kinds staff award (K-36), as services/badges.ts names them.
ALTER TABLE "badge_awards" ADD CONSTRAINT "badge_awards_kind_check" CHECK ("kind" in ('idea', 'bug_report', 'contest'));
