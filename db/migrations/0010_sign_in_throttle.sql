-- Sign-in throttling (issue 13): failures are counted per (login, client address) and per client
-- address, with growing delays, instead of per account in fixed windows. The old counters are
-- keyed by account and mean nothing under the new keys, so their table goes.
CREATE TABLE "sign_in_failures" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer NOT NULL,
	"last_failure_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
DROP TABLE "login_failures" CASCADE;