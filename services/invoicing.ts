/**
 * W-17, W-18: a user's invoicing data and their invoices. The data (first name, last name and
 * country; a company's name, address and tax id) is what invoices are made out to; invoices are
 * issued by `db/invoices.ts` when a job is approved and downloaded here by their client or staff.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { invoiceById, invoicesOf, issuePendingJobInvoicesIn, type Invoice } from '../db/invoices.js';
import { invoicingProfiles } from '../db/schema/invoices.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import type { SessionUser } from './account-types.js';
import type { Clock } from './clock.js';
import { renderInvoicePdf } from './invoice-pdf.js';
import { checkTaxId, isCountryCode } from './tax-ids.js';

export interface InvoicingProfile {
  firstName: string;
  lastName: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
  /** Present when invoicing as a company: all three fields. */
  company: { name: string; address: string; taxId: string } | null;
}

/** What the API lists of an invoice. */
export interface InvoiceSummary {
  id: number;
  number: string;
  jobId: number | null;
  issuedAt: string;
  totalCents: number;
  currency: 'USD';
}

const ruleError = (field: string, message: string) => fieldError(`body.${field}`, message, 'rule_violation');

async function get(db: Db, userId: number): Promise<InvoicingProfile | null> {
  const [row] = await db.orm.select().from(invoicingProfiles).where(eq(invoicingProfiles.userId, userId));
  if (!row) return null;
  const company = row.companyName !== null && row.companyAddress !== null && row.taxId !== null ? { name: row.companyName, address: row.companyAddress, taxId: row.taxId } : null;
  return { firstName: row.firstName, lastName: row.lastName, country: row.country, company };
}

/** Saves the caller's invoicing data after W-18's checks: 422 naming the field otherwise. */
async function set(deps: { db: Db; clock: Clock }, userId: number, input: InvoicingProfile): Promise<InvoicingProfile> {
  const country = input.country.trim().toUpperCase();
  if (!isCountryCode(country)) throw ruleError('country', 'not an ISO 3166-1 alpha-2 country code');
  const profile: InvoicingProfile = { firstName: input.firstName.trim(), lastName: input.lastName.trim(), country, company: null };
  if (input.company) {
    const checked = checkTaxId(country, input.company.taxId);
    if (!checked.ok) throw ruleError('company.taxId', checked.message);
    profile.company = { name: input.company.name.trim(), address: input.company.address.trim(), taxId: checked.taxId };
  }
  const values = {
    firstName: profile.firstName,
    lastName: profile.lastName,
    country,
    companyName: profile.company?.name ?? null,
    companyAddress: profile.company?.address ?? null,
    taxId: profile.company?.taxId ?? null,
    updatedAt: deps.clock.now(),
  };
  await deps.db.orm.transaction(async (tx) => {
    await tx.insert(invoicingProfiles).values({ userId, ...values }).onConflictDoUpdate({ target: invoicingProfiles.userId, set: values });
    // W-14, W-18: jobs approved before the client gave invoicing data get their invoices now.
    await issuePendingJobInvoicesIn(tx, userId, values.updatedAt);
  });
  return profile;
}

const summary = (i: Invoice): InvoiceSummary => ({ id: i.id, number: i.number, jobId: i.jobId, issuedAt: i.issuedAt.toISOString(), totalCents: i.totalCents, currency: i.currency });

/** W-17: the invoice's client and support/admin staff may read it; anyone else gets 404. */
async function readable(db: Db, caller: SessionUser, id: number): Promise<Invoice> {
  const invoice = await invoiceById(db, id);
  const staff = caller.roles.includes('support') || caller.roles.includes('admin');
  if (!invoice || (invoice.clientId !== caller.id && !staff)) throw new AppError('not_found', 'no such invoice');
  return invoice;
}

/** The invoice's PDF with its download name (`GF-2026-000123.pdf`). */
async function pdf(db: Db, caller: SessionUser, id: number): Promise<{ name: string; bytes: Buffer }> {
  const invoice = await readable(db, caller, id);
  return { name: `${invoice.number.replaceAll('/', '-')}.pdf`, bytes: await renderInvoicePdf(invoice) };
}

export function createInvoicing(deps: { db: Db; clock: Clock }) {
  return {
    profile: (userId: number) => get(deps.db, userId),
    setProfile: (userId: number, input: InvoicingProfile) => set(deps, userId, input),
    invoices: async (userId: number) => (await invoicesOf(deps.db, userId)).map(summary),
    pdf: (caller: SessionUser, id: number) => pdf(deps.db, caller, id),
  };
}

export type InvoicingService = ReturnType<typeof createInvoicing>;
