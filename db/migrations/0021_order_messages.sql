ALTER TABLE "messages" ADD COLUMN "kind" text DEFAULT 'text' NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "removed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "removed_by" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_removed_by_users_id_fk" FOREIGN KEY ("removed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_kind" CHECK ("messages"."kind" in ('text', 'info_request'));--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_removed_by" CHECK (("messages"."removed_at" is null) = ("messages"."removed_by" is null));--> statement-breakpoint
-- hand-written below
-- K-70: a new message (`new_message`) reaches its recipient in the app and by email unless they
-- choose otherwise, like a new order (db/schema/mail.ts `emailedByDefault` holds the same list).
-- The conversations service throttles it: one per conversation until the recipient reads it.
CREATE OR REPLACE FUNCTION notification_channels(p_user_id bigint, p_kind text, OUT in_app boolean, OUT email boolean) LANGUAGE sql STABLE AS $$
  SELECT coalesce(s.in_app, true), coalesce(s.email, p_kind IN ('order_placed', 'new_message'))
  FROM (SELECT 1) AS one
  LEFT JOIN notification_settings s ON s.user_id = p_user_id AND s.kind = p_kind
$$;
