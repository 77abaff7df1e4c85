-- Issue 19 §3 (a completion's queries): what a reputation recompute reads of each closed order
-- besides its closure, kept by PostgreSQL from the stored view on every write, so that the
-- recompute (db/reputation.ts `closedOrderRows`, the seller's whole history on each completion)
-- no longer unpacks every order's view. One statement: the table is rewritten once, not four times
-- (under an exclusive lock: docs/operations.md).
ALTER TABLE "orders"
  ADD COLUMN "placed_at" text GENERATED ALWAYS AS (view->>'placedAt') STORED,
  ADD COLUMN "work_started_at" text GENERATED ALWAYS AS (view->>'workStartedAt') STORED,
  ADD COLUMN "late" boolean GENERATED ALWAYS AS (jsonb_path_exists(view, '$.timeline[*] ? (@.event == "late")')) STORED NOT NULL,
  ADD COLUMN "last_by" text GENERATED ALWAYS AS (view->'timeline'->-1->>'by') STORED;
