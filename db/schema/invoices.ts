import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * W-18: what a user's invoices are made out to. First name, last name and country (ISO 3166-1
 * alpha-2) always; a company adds its name, address and a tax id (all three or none), whose
 * format `services/tax-ids.ts` checks for the country before the row is written.
 */
export const invoicingProfiles = pgTable(
  'invoicing_profiles',
  {
    userId: bigint('user_id', { mode: 'number' }).primaryKey().references(() => users.id),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    country: text('country').notNull(),
    companyName: text('company_name'),
    companyAddress: text('company_address'),
    /** Normalised: upper case, no spaces, dots or dashes; the EU VAT prefix kept where given. */
    taxId: text('tax_id'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    check('invoicing_profiles_country', sql`${t.country} ~ '^[A-Z]{2}$'`),
    check(
      'invoicing_profiles_company_complete',
      sql`(${t.companyName} is null and ${t.companyAddress} is null and ${t.taxId} is null) or (${t.companyName} is not null and ${t.companyAddress} is not null and ${t.taxId} is not null)`,
    ),
  ],
);

/**
 * W-14: the last number issued in each calendar year (Europe/Warsaw, D-06). `db/invoices.ts`
 * locks a year's row in the issuing transaction, so numbers follow each other without gaps and
 * a rolled-back issue gives its number back.
 */
export const invoiceCounters = pgTable('invoice_counters', {
  year: integer('year').primaryKey(),
  lastNumber: integer('last_number').notNull(),
});

/**
 * W-14, W-17: an issued invoice, never changed. The issuer's (the platform's) and the client's
 * invoicing data are snapshots taken when it was issued; the PDF is rendered from this row.
 * One invoice per job at most (`jobId` is null for none; the job table comes later).
 */
export const invoices = pgTable(
  'invoices',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** `GF/<year>/<6-digit sequence>`. */
    number: text('number').notNull(),
    year: integer('year').notNull(),
    sequence: integer('sequence').notNull(),
    jobId: bigint('job_id', { mode: 'number' }),
    clientId: bigint('client_id', { mode: 'number' }).notNull().references(() => users.id),
    issuedAt: ts('issued_at').notNull(),
    issuer: jsonb('issuer').notNull(),
    client: jsonb('client').notNull(),
    lines: jsonb('lines').notNull(),
    totalCents: bigint('total_cents', { mode: 'number' }).notNull(),
    currency: text('currency').notNull().default('USD'),
  },
  (t) => [
    uniqueIndex('invoices_number_unique').on(t.number),
    uniqueIndex('invoices_year_sequence_unique').on(t.year, t.sequence),
    uniqueIndex('invoices_job_unique').on(t.jobId),
    index('invoices_client_idx').on(t.clientId, t.issuedAt),
    check('invoices_total_positive', sql`${t.totalCents} > 0`),
  ],
);
