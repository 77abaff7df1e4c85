/**
 * Identifiers in each provider's own look, so that logs and stored references read like the
 * real thing: Stripe's `pi_…` (base62) and PayPal's upper-case ids.
 */
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const UPPER = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function randomString(alphabet: string, length: number): string {
  // Rejection of the top bytes keeps every character equally likely.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** A Stripe-style id: `stripeId('pi')` → `pi_3Nf…` (24 characters after the prefix). */
export function stripeId(prefix: string): string {
  return `${prefix}_${randomString(BASE62, 24)}`;
}

/** A PayPal-style id: upper-case letters and digits (orders and captures 17, batches 13). */
export function paypalId(length = 17): string {
  return randomString(UPPER, length);
}

/** A PayPal webhook event id: `WH-…-…`. */
export function paypalEventId(): string {
  return `WH-${paypalId(17)}-${paypalId(17)}`;
}

/** A PayPal `debug_id` (what support asks for), 13 hex digits. */
export function debugId(): string {
  return randomBytes(7).toString('hex').slice(0, 13);
}
