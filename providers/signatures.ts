/**
 * The two webhook signature schemes, exactly as docs/payment-providers.md gives them.
 *
 * Card (Stripe): `Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 *
 * PayPal: the signature covers `<transmission id>|<transmission time>|<webhook id>|<CRC32 of
 * the raw body, decimal>`, made with an RSA key this server generates at start (SHA256withRSA,
 * as the `PAYPAL-AUTH-ALGO` header says). Receivers never check it themselves: they ask
 * `verify-webhook-signature`, which recomputes the CRC over `JSON.stringify(webhook_event)`.
 * That round-trips because every body is emitted with `JSON.stringify`.
 */
import { createHmac, createSign, createVerify, generateKeyPairSync, type KeyObject, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The `Stripe-Signature` header value for `body` signed at `timestamp` (unix seconds). */
export function stripeSignature(secret: string, timestamp: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

export const PAYPAL_AUTH_ALGO = 'SHA256withRSA';

/** What a PayPal transmission's signature covers. */
export interface Transmission {
  transmissionId: string;
  /** ISO time, as sent in `PAYPAL-TRANSMISSION-TIME`. */
  transmissionTime: string;
  webhookId: string;
  body: string;
}

/** Signs and verifies PayPal transmissions with one RSA key pair. */
export interface PayPalSigner {
  /** Base64 RSA-SHA256 signature. */
  sign(transmission: Transmission): string;
  verify(transmission: Transmission, signature: string): boolean;
  /** The public key (SPKI PEM) served at the cert URL. */
  publicKeyPem: string;
}

export function createPayPalSigner(): PayPalSigner {
  // 2048 bits: what PayPal's own certificates use; generating it takes a few tens of ms at start.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    sign: (transmission) => createSign('RSA-SHA256').update(signedText(transmission)).sign(privateKey, 'base64'),
    verify: (transmission, signature) => verifyWith(publicKey, transmission, signature),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function verifyWith(publicKey: KeyObject, transmission: Transmission, signature: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(signedText(transmission)).verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

function signedText({ transmissionId, transmissionTime, webhookId, body }: Transmission): string {
  // crc32 answers an unsigned 32-bit number, printed in decimal as PayPal's documentation says.
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(body)}`;
}

/** Compares two secrets without leaking where they first differ. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
