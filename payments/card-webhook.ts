/**
 * Verifying a card processor's webhook delivery (the Stripe scheme): `Stripe-Signature:
 * t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…]`. Several v1 entries
 * appear while a secret is being rolled, so any one matching is enough. The HMAC is over the
 * raw body as received: parsing and re-serialising would change the bytes signed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { idFromDigits, isRecord } from './http.js';
import { WebhookVerificationError, type VerifiedEvent } from './provider.js';

/** What a card webhook is checked against. */
export interface CardWebhookSecret {
  webhookSecret: string;
  /** How far the signed timestamp may be from our clock, either way. */
  toleranceSeconds: number;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

const eventShape = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

/**
 * The delivery as a VerifiedEvent, or WebhookVerificationError: no header or no v1 entry →
 * `missing_signature`; a header without a usable `t`, or no v1 that matches →
 * `bad_signature`; a good signature more than the tolerance from `nowMs` →
 * `stale_timestamp`; a signed body that is not a Stripe event → `malformed`.
 */
export function verifyCardWebhook(
  secret: CardWebhookSecret,
  rawBody: string,
  headers: Record<string, string | undefined>,
  nowMs: number,
): VerifiedEvent {
  const { timestamp, signatures } = parseSignatureHeader(headers['stripe-signature']);
  if (!signatures.some((candidate) => signatureMatches(secret.webhookSecret, timestamp, rawBody, candidate))) {
    throw new WebhookVerificationError('bad_signature');
  }
  // Checked after the signature, so only a delivery we know is genuine is called stale.
  if (Math.abs(nowMs / 1000 - timestamp) > secret.toleranceSeconds) throw new WebhookVerificationError('stale_timestamp');
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new WebhookVerificationError('malformed');
  }
  const event = eventShape.safeParse(parsed);
  if (!event.success) throw new WebhookVerificationError('malformed');
  const { id, type, created, data } = event.data;
  return {
    provider: 'card',
    eventId: id,
    type,
    createdAt: new Date(created * 1000).toISOString(),
    subject: subjectOf(type, data.object),
    payload: parsed,
  };
}

function parseSignatureHeader(header: string | undefined): { timestamp: number; signatures: string[] } {
  if (header === undefined || header.trim() === '') throw new WebhookVerificationError('missing_signature');
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    // Other schemes (v0 is Stripe's test-mode one) are ignored: only v1 is HMAC-SHA256.
    if (key === 'v1') signatures.push(value);
  }
  if (signatures.length === 0) throw new WebhookVerificationError('missing_signature');
  if (timestamp === null) throw new WebhookVerificationError('bad_signature');
  return { timestamp, signatures };
}

function signatureMatches(webhookSecret: string, timestamp: number, rawBody: string, candidate: string): boolean {
  if (!HEX_SHA256.test(candidate)) return false;
  const expected = createHmac('sha256', webhookSecret).update(`${timestamp}.${rawBody}`, 'utf8').digest();
  // Constant time, so the response time does not say how many leading bytes were right.
  return timingSafeEqual(expected, Buffer.from(candidate, 'hex'));
}

function subjectOf(type: string, object: Record<string, unknown>): VerifiedEvent['subject'] {
  const metadata = isRecord(object['metadata']) ? object['metadata'] : {};
  const id = typeof object['id'] === 'string' ? object['id'] : null;
  if (type.startsWith('payment_intent.') && id !== null) {
    return { kind: 'payment', providerRef: id, topUpId: idFromDigits(metadata['top_up_id']) };
  }
  if (type.startsWith('payout.') && id !== null) {
    return { kind: 'payout', providerRef: id, withdrawalId: idFromDigits(metadata['withdrawal_id']) };
  }
  if (type === 'charge.refunded') {
    // The refund is filed under the payment it returns money from: that is what our top-up
    // row knows. A charge and a refund object both name it, as an id or expanded.
    const intent = object['payment_intent'];
    const providerRef = typeof intent === 'string' ? intent : isRecord(intent) && typeof intent['id'] === 'string' ? intent['id'] : null;
    if (providerRef !== null) return { kind: 'refund', providerRef, topUpId: idFromDigits(metadata['top_up_id']) };
  }
  return null;
}
