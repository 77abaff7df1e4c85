/**
 * W-14, W-18: who invoices are issued by and how they are numbered. The platform's data is
 * policy: it is copied into every invoice when issued (`db/invoices.ts`), so a later change
 * here never alters an invoice already issued.
 */

/** A party of an invoice as printed on it. */
export interface InvoiceParty {
  /** The company's name, or the person's first and last name. */
  name: string;
  /** The person behind a company's account; absent for the platform. */
  person?: string;
  address?: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  taxId?: string;
}

/** The platform as the seller on every invoice (W-14). */
export const platformIssuer: InvoiceParty = {
  name: 'gigflow sp. z o.o.',
  address: 'ul. Prosta 20, 00-850 Warszawa, Poland',
  country: 'PL',
  taxId: 'PL5252248481',
};

/** The time zone whose calendar year numbers invoices (D-06: the platform's is Europe/Warsaw). */
export const INVOICE_TIME_ZONE = 'Europe/Warsaw';

/** `GF/2026/000123`: the prefix, the calendar year, the year's sequence zero-padded to six digits. */
export const invoiceNumber = (year: number, sequence: number) => `GF/${year}/${String(sequence).padStart(6, '0')}`;
