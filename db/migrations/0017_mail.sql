CREATE TABLE "notification_settings" (
	"user_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"in_app" boolean NOT NULL,
	"email" boolean NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "notification_settings_user_id_kind_pk" PRIMARY KEY("user_id","kind"),
	CONSTRAINT "notification_settings_some_channel" CHECK ("notification_settings"."in_app" or "notification_settings"."email")
);
--> statement-breakpoint
CREATE TABLE "seller_request_categories" (
	"user_id" bigint NOT NULL,
	"category_id" integer NOT NULL,
	CONSTRAINT "seller_request_categories_user_id_category_id_pk" PRIMARY KEY("user_id","category_id")
);
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "in_app" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "notification_settings" ADD CONSTRAINT "notification_settings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seller_request_categories" ADD CONSTRAINT "seller_request_categories_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seller_request_categories" ADD CONSTRAINT "seller_request_categories_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "seller_request_categories_category_idx" ON "seller_request_categories" USING btree ("category_id");--> statement-breakpoint
-- hand-written below
-- K-70: where a notification reaches its user, applied to every notification as it is
-- inserted (whichever code inserts it): the user's setting for its kind, or the kind's default
-- (a new order: the app and email; anything else: the app only; db/schema/mail.ts holds the
-- same list). Before the insert: a kind routed to email only is kept (its dedupe key still
-- guards retries) but not shown in the notification centre.
CREATE FUNCTION notification_channels(p_user_id bigint, p_kind text, OUT in_app boolean, OUT email boolean) LANGUAGE sql STABLE AS $$
  SELECT coalesce(s.in_app, true), coalesce(s.email, p_kind IN ('order_placed'))
  FROM (SELECT 1) AS one
  LEFT JOIN notification_settings s ON s.user_id = p_user_id AND s.kind = p_kind
$$;
--> statement-breakpoint
CREATE FUNCTION notifications_route_in_app() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.in_app := (notification_channels(NEW.user_id, NEW.kind)).in_app;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER notifications_route_in_app
  BEFORE INSERT ON notifications
  FOR EACH ROW EXECUTE FUNCTION notifications_route_in_app();
--> statement-breakpoint
-- After the insert (so a row that ON CONFLICT DO NOTHING skipped mails nobody): an email to
-- the user's confirmed address, queued in the outbox in the notification's transaction.
CREATE FUNCTION notifications_route_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (notification_channels(NEW.user_id, NEW.kind)).email THEN
    INSERT INTO outbox (kind, to_address, subject, body)
    SELECT NEW.kind, u.email,
      CASE
        WHEN NEW.kind = 'order_placed' AND o.id IS NOT NULL THEN 'New order ' || o.id || ': “' || o.title || '”'
        WHEN NEW.order_id IS NOT NULL THEN 'Order ' || NEW.order_id || ': ' || replace(NEW.kind, '_', ' ')
        ELSE 'gigflow: ' || replace(NEW.kind, '_', ' ')
      END,
      NEW.text
    FROM users u
    LEFT JOIN orders o ON o.id = NEW.order_id
    WHERE u.id = NEW.user_id AND u.email_confirmed_at IS NOT NULL;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER notifications_route_email
  AFTER INSERT ON notifications
  FOR EACH ROW EXECUTE FUNCTION notifications_route_email();
