import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * W-22: a user who became an affiliate, with the personal data it needs (first and last name,
 * country; company invoicing data if they invoice as a company) and their link's code (128
 * random bits, unique). `level` is D-07's (1 = 10 %, the start).
 */
export const affiliates = pgTable(
  'affiliates',
  {
    userId: bigint('user_id', { mode: 'number' }).primaryKey().references(() => users.id),
    code: text('code').notNull().unique(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    /** ISO 3166-1 alpha-2, upper case. */
    country: text('country').notNull(),
    companyName: text('company_name'),
    companyAddress: text('company_address'),
    companyTaxId: text('company_tax_id'),
    level: smallint('level').notNull().default(1),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    check('affiliates_country_format', sql`${t.country} ~ '^[A-Z]{2}$'`),
    check('affiliates_level', sql`${t.level} between 1 and 3`),
    // A company is all three or none.
    check('affiliates_company_whole', sql`(${t.companyName} is null) = (${t.companyAddress} is null) and (${t.companyName} is null) = (${t.companyTaxId} is null)`),
  ],
);

/**
 * W-21, W-23: a consented visit through an affiliate link. Its `token` (256 random bits) is what
 * the first-touch cookie carries; registration reads it back.
 */
export const affiliateVisits = pgTable(
  'affiliate_visits',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    token: text('token').notNull().unique(),
    affiliateId: bigint('affiliate_id', { mode: 'number' }).notNull().references(() => affiliates.userId),
    visitedAt: ts('visited_at').notNull(),
  },
  (t) => [index('affiliate_visits_affiliate_idx').on(t.affiliateId, t.visitedAt)],
);

/**
 * W-23: a user who registered after a first-touch visit: `pending` until a job completed by
 * `attributionExpiresAt` (the visit + 3 months, its last instant included) sets `assignedAt`.
 * One affiliate per client, for good.
 */
export const affiliateClients = pgTable(
  'affiliate_clients',
  {
    clientId: bigint('client_id', { mode: 'number' }).primaryKey().references(() => users.id),
    affiliateId: bigint('affiliate_id', { mode: 'number' }).notNull().references(() => affiliates.userId),
    visitId: bigint('visit_id', { mode: 'number' }).notNull().references(() => affiliateVisits.id),
    firstVisitAt: ts('first_visit_at').notNull(),
    attributionExpiresAt: ts('attribution_expires_at').notNull(),
    registeredAt: ts('registered_at').notNull(),
    assignedAt: ts('assigned_at'),
  },
  (t) => [
    index('affiliate_clients_affiliate_idx').on(t.affiliateId, t.registeredAt),
    check('affiliate_clients_not_self', sql`${t.clientId} <> ${t.affiliateId}`),
    check('affiliate_clients_window', sql`${t.attributionExpiresAt} > ${t.firstVisitAt}`),
  ],
);
