-- Catalog search (activities/search.ts; measured by bench/search.ts). A search pages through the
-- Top Rated offers first and reads the others only when those do not fill the page, so every
-- sort index leads with top_rated. The INCLUDE columns are the ones searches filter on, so a
-- browse walks the index alone, without reading the table.
CREATE INDEX "offers_active_top_rated_search_idx" ON "offers" USING gin ("search_vector") WHERE "status" = 'active' AND "top_rated";
--> statement-breakpoint
-- Newest first. published_at and created_at are stored too: without them the expression's
-- inputs are missing and the index cannot answer alone.
CREATE INDEX "offers_active_listed_idx" ON "offers" USING btree ("top_rated", (coalesce("published_at", "created_at")), "id") INCLUDE ("category_id", "seller_id", "price_cents", "lead_time_days", "published_at", "created_at") WHERE "status" = 'active';
--> statement-breakpoint
CREATE INDEX "offers_active_category_listed_idx" ON "offers" USING btree ("top_rated", "category_id", (coalesce("published_at", "created_at")), "id") INCLUDE ("seller_id", "price_cents", "lead_time_days", "published_at", "created_at") WHERE "status" = 'active';
--> statement-breakpoint
-- By price, either way (read backwards for price_desc).
CREATE INDEX "offers_active_price_idx" ON "offers" USING btree ("top_rated", "price_cents", "id") INCLUDE ("category_id", "seller_id", "lead_time_days") WHERE "status" = 'active';
--> statement-breakpoint
CREATE INDEX "offers_active_category_price_idx" ON "offers" USING btree ("top_rated", "category_id", "price_cents", "id") INCLUDE ("seller_id", "lead_time_days") WHERE "status" = 'active';
--> statement-breakpoint
-- Attribute filters: containment (attributes @> '{"cms": "wordpress"}').
CREATE INDEX "offers_active_attributes_idx" ON "offers" USING gin ("attributes" jsonb_path_ops) WHERE "status" = 'active';
--> statement-breakpoint
-- Weekend hiding looks sellers up only among those who hide on weekends.
CREATE INDEX "users_weekend_hiders_idx" ON "users" USING btree ("id") WHERE "hide_on_weekends";
--> statement-breakpoint
-- Sellers by login prefix, in byte order whatever the database's locale: one index answers both
-- the prefix (LIKE 'ab%') and the order.
CREATE INDEX "users_login_prefix_idx" ON "users" USING btree ((lower("login") COLLATE "C"));
