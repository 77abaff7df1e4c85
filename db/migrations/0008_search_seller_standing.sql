-- Catalog search (activities/search.ts; measured by bench/search.ts) filters and sorts by the
-- seller's standing on the offer alone, so offers carry a copy of it (0007). These triggers keep
-- the copy: an offer takes its seller's standing when it is written, and a change to a seller's
-- level, rating or feedback count reaches all their offers in the same transaction. Activity
-- (last_active_at) is not copied: it changes with every visit and would rewrite every offer.
--
-- The stats row is read FOR SHARE: an offer inserted while its seller's stats change either
-- waits for that change to commit and reads it, or makes the change wait until the offer is
-- committed, where the change's update finds it. Either way no offer keeps a stale copy.
CREATE FUNCTION offers_copy_seller_standing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT s.level, s.rating_percent, s.feedback_count
    INTO NEW.seller_level, NEW.seller_rating_percent, NEW.seller_feedback_count
    FROM seller_stats s WHERE s.user_id = NEW.seller_id FOR SHARE;
  IF NOT FOUND THEN
    -- A seller without stats: what search has always shown for one.
    NEW.seller_level := 'newbie';
    NEW.seller_rating_percent := NULL;
    NEW.seller_feedback_count := 0;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
-- Any write of the copy itself is replaced by the seller's standing too: the copy cannot drift.
CREATE TRIGGER offers_copy_seller_standing
  BEFORE INSERT OR UPDATE OF seller_id, seller_level, seller_rating_percent, seller_feedback_count ON offers
  FOR EACH ROW EXECUTE FUNCTION offers_copy_seller_standing();
--> statement-breakpoint
-- Rows whose copy is already right are left alone (no dead tuples, no index churn).
CREATE FUNCTION seller_stats_spread_standing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE offers SET seller_level = 'newbie', seller_rating_percent = NULL, seller_feedback_count = 0
      WHERE seller_id = OLD.user_id
        AND (seller_level, seller_rating_percent, seller_feedback_count) IS DISTINCT FROM ('newbie', NULL::integer, 0);
  ELSE
    UPDATE offers SET seller_level = NEW.level, seller_rating_percent = NEW.rating_percent, seller_feedback_count = NEW.feedback_count
      WHERE seller_id = NEW.user_id
        AND (seller_level, seller_rating_percent, seller_feedback_count) IS DISTINCT FROM (NEW.level, NEW.rating_percent, NEW.feedback_count);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER seller_stats_spread_standing AFTER INSERT OR DELETE OR UPDATE OF level, rating_percent, feedback_count ON seller_stats
  FOR EACH ROW EXECUTE FUNCTION seller_stats_spread_standing();
--> statement-breakpoint
UPDATE offers o SET seller_level = s.level, seller_rating_percent = s.rating_percent, seller_feedback_count = s.feedback_count
  FROM seller_stats s WHERE s.user_id = o.seller_id;
--> statement-breakpoint
-- Highest rated first (sort=rating), as the other sorts' indexes in 0005: Top Rated first, the
-- columns browsing tests included, so a walk reads the index alone. seller_rating_percent is
-- stored too: without it the expression's input is missing and the index cannot answer alone.
CREATE INDEX "offers_active_rating_idx" ON "offers" USING btree ("top_rated", (coalesce("seller_rating_percent", -1)), "seller_feedback_count", "id") INCLUDE ("seller_rating_percent", "category_id", "seller_id", "price_cents", "lead_time_days", "seller_level") WHERE "status" = 'active';
--> statement-breakpoint
CREATE INDEX "offers_active_category_rating_idx" ON "offers" USING btree ("top_rated", "category_id", (coalesce("seller_rating_percent", -1)), "seller_feedback_count", "id") INCLUDE ("seller_rating_percent", "seller_id", "price_cents", "lead_time_days", "seller_level") WHERE "status" = 'active';
--> statement-breakpoint
-- Keyword searches with a longest lead time: the offers meeting it (in the category, if one is
-- asked for) as a bitmap intersected with the keyword matches before any row is read, where
-- testing each match read most of a broad keyword's matches only to drop them. With the category
-- in the index the planner sees how few offers meet both; a search without one skips through the
-- few categories.
CREATE INDEX "offers_active_category_lead_time_idx" ON "offers" USING btree ("top_rated", "category_id", "lead_time_days") WHERE "status" = 'active';
--> statement-breakpoint
-- Keyword searches with seller conditions on level, rating or feedback count: the offers of the
-- sellers meeting them (in the category, if one is asked for), as a bitmap intersected with the
-- keyword matches, instead of reading every match to test its seller. Level leads, as a few
-- values that a search without one skips through, then the category, then the ranges.
CREATE INDEX "offers_active_seller_standing_idx" ON "offers" USING btree ("top_rated", "seller_level", "category_id", "seller_rating_percent", "seller_feedback_count") WHERE "status" = 'active';
