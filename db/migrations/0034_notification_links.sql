ALTER TABLE "outbox" ADD COLUMN "link_path" text;--> statement-breakpoint
-- hand-written below
-- K-70: a notification's email links to where it happened, as a user of any marketplace
-- expects: the order, the job, the request or the withdrawal it is about, else the page of its
-- kind (a sanction's standing, the inbox of a message, individual offers), else the
-- notification centre. Read from the notification's order and the business key its writer
-- gave it (`job:<id>:…`, `request:<id>:…`, `withdrawal:<id>:…`; db/schema/orders.ts).
CREATE FUNCTION notification_path(p_order_id bigint, p_dedupe_key text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN p_order_id IS NOT NULL THEN '/orders/' || p_order_id
    WHEN p_dedupe_key ~ '^job:[0-9]+:' THEN '/jobs/' || split_part(p_dedupe_key, ':', 2)
    WHEN p_dedupe_key ~ '^request:[0-9]+:' THEN '/requests/' || split_part(p_dedupe_key, ':', 2)
    WHEN p_dedupe_key ~ '^withdrawal:[0-9]+:' THEN '/balance/withdrawals/' || split_part(p_dedupe_key, ':', 2)
    WHEN p_dedupe_key LIKE 'standing:%' THEN '/standing'
    WHEN p_dedupe_key LIKE 'message:%' THEN '/messages'
    WHEN p_dedupe_key LIKE 'individual-offer:%' THEN '/individual-offers'
    ELSE '/notifications'
  END
$$;
--> statement-breakpoint
-- As migration 0017's, with the link's path.
CREATE OR REPLACE FUNCTION notifications_route_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (notification_channels(NEW.user_id, NEW.kind)).email THEN
    INSERT INTO outbox (kind, to_address, subject, body, link_path)
    SELECT NEW.kind, u.email,
      CASE
        WHEN NEW.kind = 'order_placed' AND o.id IS NOT NULL THEN 'New order ' || o.id || ': “' || o.title || '”'
        WHEN NEW.order_id IS NOT NULL THEN 'Order ' || NEW.order_id || ': ' || replace(NEW.kind, '_', ' ')
        ELSE 'gigflow: ' || replace(NEW.kind, '_', ' ')
      END,
      NEW.text,
      notification_path(NEW.order_id, NEW.dedupe_key)
    FROM users u
    LEFT JOIN orders o ON o.id = NEW.order_id
    WHERE u.id = NEW.user_id AND u.email_confirmed_at IS NOT NULL;
  END IF;
  RETURN NULL;
END;
$$;
