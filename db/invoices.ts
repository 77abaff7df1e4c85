/**
 * W-14: issuing an invoice inside the caller's transaction (the job's approval, later). Numbers
 * run without gaps per calendar year: the year's counter row is locked `FOR UPDATE` and bumped in
 * the same transaction that inserts the invoice, so concurrent issues queue on the row and a
 * rolled-back issue gives its number back. One invoice per job: issuing again for a job returns
 * the invoice it already has.
 */
import { and, asc, desc, eq, gt, notExists, sql } from 'drizzle-orm';
import { INVOICE_TIME_ZONE, invoiceNumber, platformIssuer, type InvoiceParty } from '../workflows/lib/invoicing.js';
import { AppError } from '../workflows/lib/errors.js';
import type { Db } from './client.js';
import { invoiceCounters, invoices, invoicingProfiles } from './schema/invoices.js';
import { jobs } from './schema/jobs.js';
import type { Tx } from './tx.js';

export interface InvoiceLine {
  description: string;
  amountCents: number;
}

export interface IssueInvoiceInput {
  /** The job invoiced; null for an invoice of no job (the job table comes with the job workflow). */
  jobId: number | null;
  clientId: number;
  lines: InvoiceLine[];
  totalCents: number;
  issuedAt: Date;
}

/** An issued invoice, with the parties as they were when it was issued. */
export interface Invoice {
  id: number;
  number: string;
  jobId: number | null;
  clientId: number;
  issuedAt: Date;
  issuer: InvoiceParty;
  client: InvoiceParty;
  lines: InvoiceLine[];
  totalCents: number;
  currency: 'USD';
}

type Row = typeof invoices.$inferSelect;

const toInvoice = (row: Row): Invoice => ({
  id: row.id,
  number: row.number,
  jobId: row.jobId,
  clientId: row.clientId,
  issuedAt: row.issuedAt,
  issuer: row.issuer as InvoiceParty,
  client: row.client as InvoiceParty,
  lines: row.lines as InvoiceLine[],
  totalCents: row.totalCents,
  currency: 'USD',
});

/** The calendar year of `at` in the platform's time zone (D-06). */
export function invoiceYear(at: Date): number {
  return Number(new Intl.DateTimeFormat('en', { timeZone: INVOICE_TIME_ZONE, year: 'numeric' }).format(at));
}

/** The client's invoicing data (W-18) as it is printed, or null when they have given none. */
async function clientParty(tx: Tx, clientId: number): Promise<InvoiceParty | null> {
  const [p] = await tx.select().from(invoicingProfiles).where(eq(invoicingProfiles.userId, clientId));
  if (!p) return null;
  const person = `${p.firstName} ${p.lastName}`;
  if (p.companyName === null) return { name: person, country: p.country };
  return { name: p.companyName, person, country: p.country, ...(p.companyAddress ? { address: p.companyAddress } : {}), ...(p.taxId ? { taxId: p.taxId } : {}) };
}

async function invoiceOfJob(tx: Tx, jobId: number | null): Promise<Invoice | null> {
  if (jobId === null) return null;
  const [row] = await tx.select().from(invoices).where(eq(invoices.jobId, jobId));
  return row ? toInvoice(row) : null;
}

function assertLines(input: IssueInvoiceInput): void {
  const sum = input.lines.reduce((acc, l) => acc + l.amountCents, 0);
  const whole = input.lines.every((l) => Number.isSafeInteger(l.amountCents) && l.amountCents > 0 && l.description.trim() !== '');
  if (input.lines.length === 0 || !whole || sum !== input.totalCents) {
    throw new AppError('rule_violation', 'an invoice needs lines of positive whole cents, each described, adding up to its total');
  }
}

/**
 * Issues the invoice of `input` in `tx` (W-14), or returns the one its job already has. The
 * client must have invoicing data (W-18): without it this throws `rule_violation`, and the
 * caller's transaction should roll back.
 */
export async function issueInvoice(tx: Tx, input: IssueInvoiceInput): Promise<Invoice> {
  const existing = await invoiceOfJob(tx, input.jobId);
  if (existing) return existing;
  assertLines(input);
  const year = invoiceYear(input.issuedAt);
  await tx.insert(invoiceCounters).values({ year, lastNumber: 0 }).onConflictDoNothing();
  const [counter] = await tx.select().from(invoiceCounters).where(eq(invoiceCounters.year, year)).for('update');
  // Another transaction may have issued this job's invoice while this one waited for the lock.
  const issuedMeanwhile = await invoiceOfJob(tx, input.jobId);
  if (issuedMeanwhile) return issuedMeanwhile;
  const client = await clientParty(tx, input.clientId);
  if (!client) throw new AppError('rule_violation', 'the client has no invoicing data: first name, last name and country are needed (W-18)');
  const sequence = counter!.lastNumber + 1;
  await tx.update(invoiceCounters).set({ lastNumber: sequence }).where(eq(invoiceCounters.year, year));
  const [row] = await tx
    .insert(invoices)
    .values({
      number: invoiceNumber(year, sequence),
      year,
      sequence,
      jobId: input.jobId,
      clientId: input.clientId,
      issuedAt: input.issuedAt,
      issuer: platformIssuer,
      client,
      lines: input.lines.map((l) => ({ description: l.description, amountCents: l.amountCents })),
      totalCents: input.totalCents,
    })
    .returning();
  return toInvoice(row!);
}

/**
 * W-14, W-18: the invoices of the client's approved jobs that could not be issued at the approval
 * because the client had no invoicing data yet; called in the transaction that saves the data.
 * Oldest approval first, so the numbers follow the approvals. Returns how many were issued.
 */
export async function issuePendingJobInvoicesIn(tx: Tx, clientId: number, issuedAt: Date): Promise<number> {
  const pending = await tx
    .select({ id: jobs.id, title: jobs.title, paidCents: jobs.paidCents })
    .from(jobs)
    .where(and(eq(jobs.clientId, clientId), eq(jobs.status, 'approved'), gt(jobs.paidCents, 0), notExists(tx.select({ one: sql`1` }).from(invoices).where(eq(invoices.jobId, jobs.id)))))
    .orderBy(asc(jobs.approvedAt), asc(jobs.id));
  for (const job of pending) {
    await issueInvoice(tx, { jobId: job.id, clientId, lines: [jobInvoiceLine(job.id, job.title, job.paidCents)], totalCents: job.paidCents, issuedAt });
  }
  return pending.length;
}

/** W-14: an approved job's one invoice line: the job and its price. */
export function jobInvoiceLine(jobId: number, title: string, amountCents: number): InvoiceLine {
  return { description: `Job #${jobId}: ${title}`, amountCents };
}

/** An invoice by id, or null. */
export async function invoiceById(db: Db, id: number): Promise<Invoice | null> {
  const [row] = await db.orm.select().from(invoices).where(eq(invoices.id, id));
  return row ? toInvoice(row) : null;
}

/** A client's invoices, newest first. */
export async function invoicesOf(db: Db, clientId: number): Promise<Invoice[]> {
  const rows = await db.orm.select().from(invoices).where(eq(invoices.clientId, clientId)).orderBy(desc(invoices.issuedAt), desc(invoices.id));
  return rows.map(toInvoice);
}
