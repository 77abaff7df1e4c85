/**
 * The off-platform scan of messages (K-61, K-62): does a text carry a way to deal outside
 * gigflow — an e-mail address, a phone number, a card or IBAN, a payment handle or link, a
 * messenger, an invitation to pay outside — or talk of the platform's fees (K-62)? A hit warns the writer and queues the message for
 * staff; the text itself is never altered. Precise on purpose: prices (`$10`, `$1,250.00`),
 * dates (`2026-12-04`, `04.12.2026`), times and order numbers (`#1234567`, `order 1234567`)
 * are not contacts, so the property test in `test/unit/off-platform.test.ts` plants them.
 */

export type ScanKind = 'email' | 'phone' | 'card' | 'iban' | 'payment' | 'messenger' | 'fees';

export interface ScanHit {
  kind: ScanKind;
  /** The text as written, for staff. */
  match: string;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** What may stand before a number that is a phone or a card: not a word, price, order number, decimal or longer token. */
const NOT_AFTER = String.raw`(?<![\w#$€£¥₽.,:/@+-])`;
/** A card's number: four groups of four (or five of 4-4-4-4-3), or 13 to 19 digits in a row. */
const CARD = new RegExp(`${NOT_AFTER}(?:\\d{4}(?:[ -]\\d{4}){2,3}(?:[ -]\\d{1,3})?|\\d{13,19})(?![\\w%]|[.,-]?\\d)`, 'g');
/** An international or bracketed phone number, which may be written with spaces: `+1 555 123 4567`, `(555) 123-4567`. */
const PHONE_INTL = new RegExp(`${NOT_AFTER}(?:\\+\\d{1,3}|\\(\\d{1,5}\\))(?:[\\s().-]{0,2}\\d){5,17}`, 'g');
/** A local one, without spaces: `555-123-4567`, `8-950-123-45-67`, `5551234567`. Figures in a row (`100 200 300`) are not a phone. */
const PHONE_LOCAL = new RegExp(`${NOT_AFTER}\\d(?:[().-]?\\d){6,16}(?![\\w%$€£¥₽]|[.,-]?\\d)`, 'g');
/** `order 1234567`, `id 1234567`, `no. 1234567`: our own numbers, not a phone. */
const OWN_NUMBER_BEFORE = /(?:order|orders|id|no\.?|number|invoice|ticket|ref)\s*$/i;
const DATE_SHAPES = [/^\d{4}[-./]\d{1,2}[-./]\d{1,2}$/, /^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/];
/** `1.250.000`: thousands separated by dots; `3.14159`: a decimal. */
const DOTTED_NUMBER = [/^\d{1,3}(?:\.\d{3})+$/, /^\d+\.\d+$/];

/** IBAN-like: country, check digits, 11–30 more characters (optionally in groups of four), with a valid mod-97. */
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;

const PAYMENT_LINK = /\b(?:paypal\.me|paypal\.com|venmo\.com|cash\.app|revolut\.me|wise\.com\/pay|buymeacoffee\.com|ko-fi\.com|payoneer\.com)\/?\S*/gi;
const PAYMENT_SERVICE = /\b(?:paypal|venmo|cash ?app|zelle|revolut|payoneer|skrill|webmoney|western union|moneygram|qiwi|yoomoney)\b/gi;
/** A cash tag (`$alice`): letters after the dollar sign, which a price never has. */
const CASHTAG = /(?<![\w$])\$[A-Za-z][A-Za-z0-9_]{2,19}\b/g;
const PAY_OUTSIDE =
  /\b(?:pay(?:ing|ment)?|send (?:the )?money|transfer)\s+(?:me\s+)?(?:directly|outside|off[- ]?(?:platform|site)|around (?:the )?(?:platform|site))\b|\b(?:outside|off|bypass(?:ing)?)\s+(?:of\s+)?(?:the\s+)?(?:platform|site|gigflow|kwork)\b/gi;
const MESSENGER = /\b(?:telegram|whats ?app|skype|viber|wechat|discord\.gg\/\S+|t\.me\/\S+|wa\.me\/\S+)\b/gi;
/**
 * K-62: the platform's financial terms. A fee word (`commission`, `fee`, `service charge`,
 * `percentage`) within a few words of the platform's name (`gigflow`, `kwork`, `the platform`,
 * `the marketplace`), in either order; the platform's `cut`; the platform taking a percentage
 * (`kwork takes 20%`); or an invitation to avoid the fee. A percentage or a fee without the
 * platform is ordinary talk ("3.5% off", "a rush fee"), and so is "the site" (a web designer's
 * work), which is not taken for the platform.
 */
const FEE_WORD = String.raw`(?:commissions?|fees?|service charges?|percentage)`;
const PLATFORM = String.raw`(?:gigflow|kwork|the\s+(?:platform|marketplace))`;
const NEAR = String.raw`(?:\W+\w+){0,4}?\W+`;
const FEES_NEAR_PLATFORM = new RegExp(String.raw`\b${FEE_WORD}${NEAR}${PLATFORM}\b|\b${PLATFORM}(?:'s|’s)?${NEAR}${FEE_WORD}\b`, 'gi');
const PLATFORM_TAKES = new RegExp(String.raw`\b${PLATFORM}(?:(?:'s|’s)\s+cut\b|\s+(?:takes|charges|keeps|eats|gets|grabs)\s+(?:\w+\s+){0,2}?\d{1,3}(?:[.,]\d+)?\s?%)`, 'gi');
const AVOID_FEES = /\b(?:avoid(?:ing)?|skip(?:ping)?|dodg(?:e|ing)|bypass(?:ing)?|without)\s+(?:the\s+|their\s+|any\s+|paying\s+(?:the\s+)?)?(?:commission|fees?|service charge)\b/gi;

/** An @handle (not inside an e-mail address), which counts only beside a payment or messenger word. */
const HANDLE = /(?<![\w.@])@[A-Za-z0-9_]{3,32}\b(?!\.[A-Za-z])/g;
const PAY_WORD = /\b(?:pay|paid|payment|send|transfer|tip|cash|money|venmo|paypal|zelle|revolut|telegram|whats ?app|skype|viber|wechat|contact|message me|dm|text me|write me)\b/i;

function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}

/** The Luhn check of a card number. */
function luhn(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let n = d.charCodeAt(d.length - 1 - i) - 48;
    if (i % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  }
  return sum % 10 === 0;
}

/** ISO 13616's mod-97 check of an IBAN (spaces removed). */
function ibanValid(raw: string): boolean {
  const s = raw.replace(/ /g, '');
  if (s.length < 15 || s.length > 34) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const v = /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const digit of v) rest = (rest * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return rest === 1;
}

/** Is this run of digits a phone number (7 to 15 digits, not a date, a price, a decimal or one of ours)? */
function isPhone(run: string, before: string): boolean {
  const d = digitsOf(run).length;
  if (d < 7 || d > 15) return false;
  if (DATE_SHAPES.some((re) => re.test(run)) || DOTTED_NUMBER.some((re) => re.test(run))) return false;
  // Our ids are written as plain digits; a number with separators after the word is still a phone.
  return !(/^\d+$/.test(run) && OWN_NUMBER_BEFORE.test(before));
}

/** An international number that ran into the figures after it: drop trailing groups to its 15 digits. */
function trimPhone(run: string): string {
  let out = run;
  while (digitsOf(out).length > 15 && /[\s().-]+\d+$/.test(out)) out = out.replace(/[\s().-]+\d+$/, '');
  return out;
}

/** Every hit in `text`, in the order found; empty when the text is ordinary. */
export function scanOffPlatform(text: string): ScanHit[] {
  const hits: ScanHit[] = [];
  const emails = [...text.matchAll(EMAIL)];
  for (const m of emails) hits.push({ kind: 'email', match: m[0] });
  // Numbers inside an e-mail address are the address's.
  const outsideEmails = emails.reduce((s, m) => s.slice(0, m.index) + ' '.repeat(m[0].length) + s.slice(m.index + m[0].length), text);
  const cards: [number, number][] = [];
  for (const m of outsideEmails.matchAll(CARD)) {
    // The optional short group may be a figure written after the card: the card then ends before it.
    const run = luhn(digitsOf(m[0])) ? m[0] : m[0].replace(/[ -]\d{1,3}$/, '');
    if (!luhn(digitsOf(run)) || digitsOf(run).length < 13) continue;
    hits.push({ kind: 'card', match: run });
    cards.push([m.index, m.index + run.length]);
  }
  const inCard = (at: number) => cards.some(([from, to]) => at >= from && at < to);
  const phones: [number, number][] = [];
  for (const m of outsideEmails.matchAll(PHONE_INTL)) {
    const run = trimPhone(m[0]);
    if (inCard(m.index) || !isPhone(run, outsideEmails.slice(Math.max(0, m.index - 12), m.index))) continue;
    hits.push({ kind: 'phone', match: run });
    phones.push([m.index, m.index + run.length]);
  }
  for (const m of outsideEmails.matchAll(PHONE_LOCAL)) {
    if (inCard(m.index) || phones.some(([from, to]) => m.index >= from && m.index < to)) continue;
    if (isPhone(m[0], outsideEmails.slice(Math.max(0, m.index - 12), m.index))) hits.push({ kind: 'phone', match: m[0] });
  }
  for (const m of text.matchAll(IBAN)) if (ibanValid(m[0])) hits.push({ kind: 'iban', match: m[0] });
  for (const re of [PAYMENT_LINK, PAYMENT_SERVICE, CASHTAG, PAY_OUTSIDE]) for (const m of text.matchAll(re)) hits.push({ kind: 'payment', match: m[0] });
  for (const m of text.matchAll(MESSENGER)) hits.push({ kind: 'messenger', match: m[0] });
  for (const re of [FEES_NEAR_PLATFORM, PLATFORM_TAKES, AVOID_FEES]) for (const m of text.matchAll(re)) hits.push({ kind: 'fees', match: m[0] });
  if (PAY_WORD.test(text)) for (const m of outsideEmails.matchAll(HANDLE)) hits.push({ kind: 'payment', match: m[0] });
  return hits;
}
