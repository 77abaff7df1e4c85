CREATE TABLE "invoice_counters" (
	"year" integer PRIMARY KEY NOT NULL,
	"last_number" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"year" integer NOT NULL,
	"sequence" integer NOT NULL,
	"job_id" bigint,
	"client_id" bigint NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"issuer" jsonb NOT NULL,
	"client" jsonb NOT NULL,
	"lines" jsonb NOT NULL,
	"total_cents" bigint NOT NULL,
	"currency" text DEFAULT 'USD' NOT NULL,
	CONSTRAINT "invoices_total_positive" CHECK ("invoices"."total_cents" > 0)
);
--> statement-breakpoint
CREATE TABLE "invoicing_profiles" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"first_name" text NOT NULL,
	"last_name" text NOT NULL,
	"country" text NOT NULL,
	"company_name" text,
	"company_address" text,
	"tax_id" text,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "invoicing_profiles_country" CHECK ("invoicing_profiles"."country" ~ '^[A-Z]{2}$'),
	CONSTRAINT "invoicing_profiles_company_complete" CHECK (("invoicing_profiles"."company_name" is null and "invoicing_profiles"."company_address" is null and "invoicing_profiles"."tax_id" is null) or ("invoicing_profiles"."company_name" is not null and "invoicing_profiles"."company_address" is not null and "invoicing_profiles"."tax_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_client_id_users_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoicing_profiles" ADD CONSTRAINT "invoicing_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_number_unique" ON "invoices" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_year_sequence_unique" ON "invoices" USING btree ("year","sequence");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_job_unique" ON "invoices" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "invoices_client_idx" ON "invoices" USING btree ("client_id","issued_at");