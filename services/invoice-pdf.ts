/**
 * W-14: an invoice as a PDF (pdfkit), rendered from the invoice's row alone — its number, dates,
 * both parties with their tax data as issued, its lines and the total in USD — so the same
 * invoice always renders the same document. pdfkit (with its fonts' parsers, about 0.25 s of CPU
 * to load) and the font's file are loaded at the first invoice a process renders, not by every
 * process at start.
 *
 * The text is set in DejaVu Sans (the npm package `dejavu-fonts-ttf`, Bitstream Vera licence),
 * embedded as a subset of the glyphs used: a buyer named in Polish, German, Czech, Cyrillic or
 * Greek letters prints as typed, and the PDF's text reads back as typed (pdfkit's standard
 * Helvetica has WinAnsi's Western European characters only, and printed "Ćwik" as mojibake; the
 * subset makes an invoice about 17 KB instead of 2, and about 20 ms to render instead of 7). A character the
 * font has no glyph for (most emoji) would print as an empty box or garbage and read back as
 * something else: each such character (a whole grapheme: an emoji with its skin tone or joiners is
 * one) prints as `MISSING_GLYPH` instead, visibly standing in for what could not be printed.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Invoice } from '../db/invoices.js';
import type { InvoiceParty } from '../workflows/lib/invoicing.js';
import { INVOICE_TIME_ZONE } from '../workflows/lib/invoicing.js';
import { formatUsd } from '../workflows/lib/money.js';

/** The font's file, resolved from this module like an import: a package file, never a system font. */
const FONT_FILE = 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf';

/** What prints for a character the font cannot print (U+FFFD REPLACEMENT CHARACTER, which it has). */
export const MISSING_GLYPH = '\uFFFD';

const dateOf = (at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: INVOICE_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * `text` as the font can print it: composed (NFC, so "c" + combining acute prints and reads back
 * as "ć"), and each grapheme with a code point the font has no glyph for replaced by `MISSING_GLYPH`.
 */
export function printable(text: string, hasGlyph: (codePoint: number) => boolean): string {
  let out = '';
  for (const { segment } of graphemes.segment(text.normalize('NFC'))) {
    out += [...segment].every((char) => hasGlyph(char.codePointAt(0)!)) ? segment : MISSING_GLYPH;
  }
  return out;
}

interface Typesetter {
  PDFDocument: typeof import('pdfkit');
  /**
   * The font parsed once per process. pdfkit 0.20 takes a parsed fontkit font wherever it takes a
   * font's bytes (`PDFFontFactory.open`), which @types/pdfkit does not list; given the bytes, it
   * would parse the font's tables again for every invoice (about 50 ms of CPU each).
   */
  font: PDFKit.Mixins.PDFFontSource;
  hasGlyph: (codePoint: number) => boolean;
}

let typesetter: Promise<Typesetter> | undefined;

/** pdfkit, the font's bytes and its coverage, loaded once per process at first use (a failed load is tried again). */
function loadTypesetter(): Promise<Typesetter> {
  typesetter ??= (async () => {
    const [{ default: PDFDocument }, { create }, bytes] = await Promise.all([
      import('pdfkit'),
      // pdfkit's own font parser (the same module instance), asked which characters the font has.
      import('fontkit'),
      readFile(createRequire(import.meta.url).resolve(FONT_FILE)),
    ]);
    const face = create(bytes);
    if (!('hasGlyphForCodePoint' in face)) throw new Error(`${FONT_FILE} is a font collection, not one font`);
    return { PDFDocument, font: face as unknown as PDFKit.Mixins.PDFFontSource, hasGlyph: (codePoint: number) => face.hasGlyphForCodePoint(codePoint) };
  })().catch((error: unknown) => {
    typesetter = undefined;
    throw error;
  });
  return typesetter;
}

/** A party's lines as printed: name, the person behind a company, address, country, tax id. */
function partyLines(party: InvoiceParty): string[] {
  return [party.name, party.person, party.address, `Country: ${party.country}`, party.taxId ? `Tax ID: ${party.taxId}` : undefined].filter((l): l is string => l !== undefined);
}

/** The invoice's PDF bytes. */
export async function renderInvoicePdf(invoice: Invoice): Promise<Buffer> {
  const { PDFDocument, font, hasGlyph } = await loadTypesetter();
  const print = (text: string) => printable(text, hasGlyph);
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Invoice ${invoice.number}`, Author: print(invoice.issuer.name), CreationDate: invoice.issuedAt } });
  doc.font(font);
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
  for (const line of partyLines(invoice.issuer)) doc.text(print(line), { width: 230 });
  const sellerBottom = doc.y;
  doc.fontSize(11).text('Buyer', 310, top, { underline: true }).fontSize(10);
  for (const line of partyLines(invoice.client)) doc.text(print(line), 310, doc.y, { width: 230 });
  doc.y = Math.max(sellerBottom, doc.y);
  doc.moveDown(2);
  doc.fontSize(11).text('Description', 50, doc.y, { continued: false });
  doc.fontSize(10);
  invoice.lines.forEach((line, i) => {
    const y = doc.y + 4;
    doc.text(`${i + 1}. ${print(line.description)}`, 50, y, { width: 380 });
    const after = doc.y;
    doc.text(formatUsd(line.amountCents), 440, y, { width: 100, align: 'right' });
    doc.y = Math.max(after, doc.y);
  });
  doc.moveDown();
  doc.fontSize(12).text(`Total: ${formatUsd(invoice.totalCents)} ${invoice.currency}`, 50, doc.y, { width: 490, align: 'right' });
  doc.end();
  return done;
}
