/**
 * W-14: an invoice as a PDF (pdfkit), rendered from the invoice's row alone — its number, dates,
 * both parties with their tax data as issued, its lines and the total in USD — so the same
 * invoice always renders the same document. pdfkit (with its fonts' parsers, about 0.25 s of CPU
 * to load) is loaded at the first invoice a process renders, not by every process at start.
 */
import type { Invoice } from '../db/invoices.js';
import type { InvoiceParty } from '../workflows/lib/invoicing.js';
import { INVOICE_TIME_ZONE } from '../workflows/lib/invoicing.js';
import { formatUsd } from '../workflows/lib/money.js';

const dateOf = (at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: INVOICE_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

/** A party's lines as printed: name, the person behind a company, address, country, tax id. */
function partyLines(party: InvoiceParty): string[] {
  return [party.name, party.person, party.address, `Country: ${party.country}`, party.taxId ? `Tax ID: ${party.taxId}` : undefined].filter((l): l is string => l !== undefined);
}

/** The invoice's PDF bytes. */
export async function renderInvoicePdf(invoice: Invoice): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Invoice ${invoice.number}`, Author: invoice.issuer.name, CreationDate: invoice.issuedAt } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.fontSize(20).text(`Invoice ${invoice.number}`);
  doc.moveDown(0.5).fontSize(10);
  doc.text(`Issue date: ${dateOf(invoice.issuedAt)}`);
  doc.text(`Sale date: ${dateOf(invoice.issuedAt)}`);
  doc.text(`Paid: in full, before issue (escrow); amounts in ${invoice.currency}`);
  doc.moveDown();
  const top = doc.y;
  doc.fontSize(11).text('Seller', 50, top, { underline: true }).fontSize(10);
  for (const line of partyLines(invoice.issuer)) doc.text(line, { width: 230 });
  const sellerBottom = doc.y;
  doc.fontSize(11).text('Buyer', 310, top, { underline: true }).fontSize(10);
  for (const line of partyLines(invoice.client)) doc.text(line, 310, doc.y, { width: 230 });
  doc.y = Math.max(sellerBottom, doc.y);
  doc.moveDown(2);
  doc.fontSize(11).text('Description', 50, doc.y, { continued: false });
  doc.fontSize(10);
  invoice.lines.forEach((line, i) => {
    const y = doc.y + 4;
    doc.text(`${i + 1}. ${line.description}`, 50, y, { width: 380 });
    const after = doc.y;
    doc.text(formatUsd(line.amountCents), 440, y, { width: 100, align: 'right' });
    doc.y = Math.max(after, doc.y);
  });
  doc.moveDown();
  doc.fontSize(12).text(`Total: ${formatUsd(invoice.totalCents)} ${invoice.currency}`, 50, doc.y, { width: 490, align: 'right' });
  doc.end();
  return done;
}
