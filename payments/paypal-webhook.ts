/**
 * Verifying a PayPal webhook delivery. PayPal signs with a certificate whose chain we would
 * have to fetch and trust ourselves; its documentation instead offers
 * `verify-webhook-signature`, which we call. The transmission time is checked first, locally:
 * a replayed old delivery is refused without a round trip.
 */
import { z } from 'zod';
import { idFromDigits, isRecord } from './http.js';
import type { PaypalApi } from './paypal-api.js';
import { WebhookVerificationError, type VerifiedEvent } from './provider.js';

/** What a PayPal webhook is checked with: the API that verifies it, and our subscription. */
export interface PaypalWebhookCheck {
  api: PaypalApi;
  /** The id PayPal gave our webhook subscription: part of what is signed. */
  webhookId: string;
  toleranceSeconds: number;
}

const REQUIRED_HEADERS = [
  'paypal-transmission-id',
  'paypal-transmission-time',
  'paypal-transmission-sig',
  'paypal-cert-url',
  'paypal-auth-algo',
] as const;

const eventShape = z.object({
  id: z.string().min(1),
  event_type: z.string().min(1),
  create_time: z.string().nullish(),
  resource: z.record(z.string(), z.unknown()),
});
const verificationShape = z.object({ verification_status: z.string() });

/**
 * The delivery as a VerifiedEvent, or WebhookVerificationError: a signature header absent →
 * `missing_signature`; a transmission time unreadable → `bad_signature`, or more than the
 * tolerance from `nowMs` → `stale_timestamp`; a body that is not a PayPal event → `malformed`;
 * PayPal not answering SUCCESS → `bad_signature`. PayPal failing to answer throws as any call.
 */
export async function verifyPaypalWebhook(
  check: PaypalWebhookCheck,
  rawBody: string,
  headers: Record<string, string | undefined>,
  nowMs: number,
): Promise<VerifiedEvent> {
  const [transmissionId, transmissionTime, transmissionSig, certUrl, authAlgo] = REQUIRED_HEADERS.map((name) => headers[name]);
  if (!transmissionId || !transmissionTime || !transmissionSig || !certUrl || !authAlgo) throw new WebhookVerificationError('missing_signature');
  const sentAt = Date.parse(transmissionTime);
  if (Number.isNaN(sentAt)) throw new WebhookVerificationError('bad_signature');
  if (Math.abs(nowMs - sentAt) > check.toleranceSeconds * 1000) throw new WebhookVerificationError('stale_timestamp');
  const event = parseEvent(rawBody);
  const fields = JSON.stringify({
    auth_algo: authAlgo,
    cert_url: certUrl,
    transmission_id: transmissionId,
    transmission_sig: transmissionSig,
    transmission_time: transmissionTime,
    webhook_id: check.webhookId,
  });
  // The event goes back byte for byte as it came (it parsed as a JSON object, so splicing it
  // in is valid JSON): re-serialising could reorder or re-escape what PayPal hashed.
  const json = `${fields.slice(0, -1)},"webhook_event":${rawBody}}`;
  const verdict = await check.api.call({ method: 'POST', path: '/v1/notifications/verify-webhook-signature', json }, verificationShape);
  if (verdict.verification_status !== 'SUCCESS') throw new WebhookVerificationError('bad_signature');
  const created = Date.parse(event.data.create_time ?? '');
  return {
    provider: 'paypal',
    eventId: event.data.id,
    type: event.data.event_type,
    createdAt: new Date(Number.isNaN(created) ? sentAt : created).toISOString(),
    subject: subjectOf(event.data.event_type, event.data.resource),
    payload: event.raw,
  };
}

function parseEvent(rawBody: string): { raw: unknown; data: z.infer<typeof eventShape> } {
  let raw: unknown;
  try {
    raw = JSON.parse(rawBody);
  } catch {
    throw new WebhookVerificationError('malformed');
  }
  const parsed = eventShape.safeParse(raw);
  if (!parsed.success) throw new WebhookVerificationError('malformed');
  return { raw, data: parsed.data };
}

/** `withdrawal-42` → 42: the sender_item_id sendPayout writes. */
export function withdrawalIdOf(senderItemId: unknown): number | null {
  if (typeof senderItemId !== 'string') return null;
  const match = /^withdrawal-(\d+)$/.exec(senderItemId);
  return match ? idFromDigits(match[1]) : null;
}

function field(value: unknown, ...path: (string | number)[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof key === 'number') at = Array.isArray(at) ? at[key] : undefined;
    else at = isRecord(at) ? at[key] : undefined;
  }
  return at;
}

function subjectOf(type: string, resource: Record<string, unknown>): VerifiedEvent['subject'] {
  if (type === 'CHECKOUT.ORDER.APPROVED') {
    const orderId = field(resource, 'id');
    if (typeof orderId === 'string') return { kind: 'payment', providerRef: orderId, topUpId: idFromDigits(field(resource, 'purchase_units', 0, 'custom_id')) };
  }
  if (type.startsWith('PAYMENT.CAPTURE.')) {
    // The resource is the capture; our payment is the order, which PayPal names alongside.
    const orderId = field(resource, 'supplementary_data', 'related_ids', 'order_id');
    if (typeof orderId === 'string') return { kind: 'payment', providerRef: orderId, topUpId: idFromDigits(resource['custom_id']) };
  }
  if (type.startsWith('PAYMENT.PAYOUTS-ITEM.')) {
    const itemId = field(resource, 'payout_item_id');
    if (typeof itemId === 'string') return { kind: 'payout', providerRef: itemId, withdrawalId: withdrawalIdOf(field(resource, 'payout_item', 'sender_item_id')) };
  }
  // Other kinds, and one of ours without the id we file it under, are recorded but not acted on.
  return null;
}
