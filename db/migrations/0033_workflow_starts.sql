CREATE TABLE "workflow_starts" (
	"workflow_id" text PRIMARY KEY NOT NULL,
	"process" text NOT NULL,
	"input" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
-- The orders' outbox becomes every process's: the starts still queued move over, under the order workflow's id.
INSERT INTO "workflow_starts" ("workflow_id", "process", "input", "created_at")
SELECT 'order-' || "order_id", 'order', "input", "created_at" FROM "order_starts";
--> statement-breakpoint
DROP TABLE "order_starts" CASCADE;
