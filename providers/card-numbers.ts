/**
 * What the hosted pages do with a typed card: check it, and keep only what identifies it —
 * brand, last four digits, expiry and a fingerprint (HMAC of the number under a key this
 * server draws at start, so the same number always gives the same fingerprint and the number
 * cannot be read back). The whole number is never stored, shown or logged.
 */
import { createHmac } from 'node:crypto';

/** A card as the processor keeps it. */
export interface CardDetails {
  brand: string;
  last4: string;
  fingerprint: string;
  exp_month: number;
  exp_year: number;
}

/** How a test card behaves (docs/payment-providers.md, "Test cards"). */
export type CardBehaviour =
  | { kind: 'succeeds' }
  | { kind: 'declined'; code: 'card_declined' | 'insufficient_funds' }
  | { kind: 'three_d_secure' }
  | { kind: 'delayed_webhook' }
  | { kind: 'duplicate_webhook' };

/** How payouts to a saved card end. */
export type PayoutBehaviour = 'paid' | 'failed' | 'silent';

const PAYMENT_BEHAVIOURS: Record<string, CardBehaviour> = {
  '4000000000000002': { kind: 'declined', code: 'card_declined' },
  '4000000000009995': { kind: 'declined', code: 'insufficient_funds' },
  '4000002760003184': { kind: 'three_d_secure' },
  '4000000000000077': { kind: 'delayed_webhook' },
  '4000000000000101': { kind: 'duplicate_webhook' },
};

const PAYOUT_BEHAVIOURS: Record<string, PayoutBehaviour> = {
  '4000000000000119': 'failed',
  '4000000000000127': 'silent',
};

/** What a payment page does with this number; any other valid number behaves as 4242…. */
export function paymentBehaviour(number: string): CardBehaviour {
  return PAYMENT_BEHAVIOURS[number] ?? { kind: 'succeeds' };
}

/** What payouts to this saved card do. */
export function payoutBehaviour(number: string): PayoutBehaviour {
  return PAYOUT_BEHAVIOURS[number] ?? 'paid';
}

/** The digits of a typed number (spaces and dashes dropped), or null if it is not a card number. */
export function cardNumber(typed: string): string | null {
  const digits = typed.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) return null;
  return digits;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Stripe's brand names: `visa` (4…), `mastercard` (51–55…, 2221–2720…), else `unknown`. */
export function brandOf(number: string): string {
  if (number.startsWith('4')) return 'visa';
  const two = Number(number.slice(0, 2));
  const four = Number(number.slice(0, 4));
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  return 'unknown';
}

/** `MM/YY`, `MM / YY` or `MM/YYYY`, not in the past at `nowMs`; null otherwise. */
export function expiry(typed: string, nowMs: number): { month: number; year: number } | null {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(typed);
  if (!match) return null;
  const month = Number(match[1]);
  const year = match[2]!.length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  if (month < 1 || month > 12) return null;
  const now = new Date(nowMs);
  const current = now.getUTCFullYear() * 12 + now.getUTCMonth();
  return year * 12 + (month - 1) >= current ? { month, year } : null;
}

/** Three or four digits. */
export function cvcValid(typed: string): boolean {
  return /^\s*\d{3,4}\s*$/.test(typed);
}

/** Brand, last four and fingerprint of `number` under `key`, with the expiry. */
export function cardDetails(number: string, exp: { month: number; year: number }, key: Buffer): CardDetails {
  return {
    brand: brandOf(number),
    last4: number.slice(-4),
    fingerprint: createHmac('sha256', key).update(number).digest('hex').slice(0, 16),
    exp_month: exp.month,
    exp_year: exp.year,
  };
}
