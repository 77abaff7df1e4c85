CREATE TABLE "affiliate_clients" (
	"client_id" bigint PRIMARY KEY NOT NULL,
	"affiliate_id" bigint NOT NULL,
	"visit_id" bigint NOT NULL,
	"first_visit_at" timestamp with time zone NOT NULL,
	"attribution_expires_at" timestamp with time zone NOT NULL,
	"registered_at" timestamp with time zone NOT NULL,
	"assigned_at" timestamp with time zone,
	CONSTRAINT "affiliate_clients_not_self" CHECK ("affiliate_clients"."client_id" <> "affiliate_clients"."affiliate_id"),
	CONSTRAINT "affiliate_clients_window" CHECK ("affiliate_clients"."attribution_expires_at" > "affiliate_clients"."first_visit_at")
);
--> statement-breakpoint
CREATE TABLE "affiliate_visits" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"token" text NOT NULL,
	"affiliate_id" bigint NOT NULL,
	"visited_at" timestamp with time zone NOT NULL,
	CONSTRAINT "affiliate_visits_token_unique" UNIQUE("token")
);
--> statement-breakpoint
CREATE TABLE "affiliates" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"first_name" text NOT NULL,
	"last_name" text NOT NULL,
	"country" text NOT NULL,
	"company_name" text,
	"company_address" text,
	"company_tax_id" text,
	"level" smallint DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "affiliates_code_unique" UNIQUE("code"),
	CONSTRAINT "affiliates_country_format" CHECK ("affiliates"."country" ~ '^[A-Z]{2}$'),
	CONSTRAINT "affiliates_level" CHECK ("affiliates"."level" between 1 and 3),
	CONSTRAINT "affiliates_company_whole" CHECK (("affiliates"."company_name" is null) = ("affiliates"."company_address" is null) and ("affiliates"."company_name" is null) = ("affiliates"."company_tax_id" is null))
);
--> statement-breakpoint
ALTER TABLE "affiliate_clients" ADD CONSTRAINT "affiliate_clients_client_id_users_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "affiliate_clients" ADD CONSTRAINT "affiliate_clients_affiliate_id_affiliates_user_id_fk" FOREIGN KEY ("affiliate_id") REFERENCES "public"."affiliates"("user_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "affiliate_clients" ADD CONSTRAINT "affiliate_clients_visit_id_affiliate_visits_id_fk" FOREIGN KEY ("visit_id") REFERENCES "public"."affiliate_visits"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "affiliate_visits" ADD CONSTRAINT "affiliate_visits_affiliate_id_affiliates_user_id_fk" FOREIGN KEY ("affiliate_id") REFERENCES "public"."affiliates"("user_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "affiliates" ADD CONSTRAINT "affiliates_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "affiliate_clients_affiliate_idx" ON "affiliate_clients" USING btree ("affiliate_id","registered_at");--> statement-breakpoint
CREATE INDEX "affiliate_visits_affiliate_idx" ON "affiliate_visits" USING btree ("affiliate_id","visited_at");