-- K-36: a badge's notice (`badge:<awardId>`) links to the user's own profile (`/profile`, which
-- redirects to it by their current login). As migration 0034's, with that one case more.
CREATE OR REPLACE FUNCTION notification_path(p_order_id bigint, p_dedupe_key text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN p_order_id IS NOT NULL THEN '/orders/' || p_order_id
    WHEN p_dedupe_key ~ '^job:[0-9]+:' THEN '/jobs/' || split_part(p_dedupe_key, ':', 2)
    WHEN p_dedupe_key ~ '^request:[0-9]+:' THEN '/requests/' || split_part(p_dedupe_key, ':', 2)
    WHEN p_dedupe_key ~ '^withdrawal:[0-9]+:' THEN '/balance/withdrawals/' || split_part(p_dedupe_key, ':', 2)
    WHEN p_dedupe_key LIKE 'standing:%' THEN '/standing'
    WHEN p_dedupe_key LIKE 'message:%' THEN '/messages'
    WHEN p_dedupe_key LIKE 'individual-offer:%' THEN '/individual-offers'
    WHEN p_dedupe_key LIKE 'badge:%' THEN '/profile'
    ELSE '/notifications'
  END
$$;
