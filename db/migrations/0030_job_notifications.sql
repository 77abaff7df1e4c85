-- hand-written below
-- W-13 (issue 18): the reminder one business day before a job is approved automatically
-- (`job_approval_reminder`) reaches the client by email as well as in the app unless they choose
-- otherwise, like a new order and a new message (db/schema/mail.ts `emailedByDefault`).
CREATE OR REPLACE FUNCTION notification_channels(p_user_id bigint, p_kind text, OUT in_app boolean, OUT email boolean) LANGUAGE sql STABLE AS $$
  SELECT coalesce(s.in_app, true), coalesce(s.email, p_kind IN ('order_placed', 'new_message', 'job_approval_reminder'))
  FROM (SELECT 1) AS one
  LEFT JOIN notification_settings s ON s.user_id = p_user_id AND s.kind = p_kind
$$;
