/**
 * The PayPal adapter: Orders v2 for top-ups (create → the payer approves on PayPal → we
 * capture), Payouts for withdrawals, and webhook verification through PayPal's own endpoint
 * (docs/payment-providers.md, "PayPal"). Every POST that moves money carries a
 * PayPal-Request-Id derived from our ids, so a retry replays the first answer. PayPal has no
 * refunds or saved cards here: top-ups by PayPal are not K-48's "same card".
 */
import { z } from 'zod';
import { idFromDigits, isRecord } from './http.js';
import { centsToDecimal, decimalToCents } from './money-format.js';
import { paypalApi, paypalRefusal, type PaypalApi } from './paypal-api.js';
import { verifyPaypalWebhook, withdrawalIdOf } from './paypal-webhook.js';
import { ProviderRefusal, type Checkout, type PaymentProvider, type PaymentState, type PayoutRequest, type PayoutState } from './provider.js';

/** Where PayPal is, our REST app's credentials, and our webhook subscription. */
export interface PaypalOptions {
  /** PayPal's API root, e.g. `https://api-m.sandbox.paypal.com` or `http://127.0.0.1:3002/paypal`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Our webhook subscription's id, which PayPal's signature covers. */
  webhookId: string;
  /** How far a webhook's transmission time may be from our clock; 300 s by default. */
  toleranceSeconds?: number;
  fetch?: typeof fetch;
  /** The clock an OAuth token's lifetime is counted on (ms since the epoch); tests move it. */
  now?: () => number;
}

const amountShape = z.object({ value: z.string() });
const captureShape = z.object({ id: z.string(), status: z.string(), amount: amountShape.nullish() });
const orderShape = z.object({
  id: z.string(),
  status: z.string(),
  purchase_units: z
    .array(
      z.object({
        reference_id: z.string().nullish(),
        custom_id: z.string().nullish(),
        amount: amountShape.nullish(),
        payments: z.object({ captures: z.array(captureShape).nullish() }).nullish(),
      }),
    )
    .nullish(),
  payer: z.object({ email_address: z.string().nullish() }).nullish(),
  payment_source: z.object({ paypal: z.object({ email_address: z.string().nullish() }).nullish() }).nullish(),
  links: z.array(z.object({ rel: z.string(), href: z.string() })).nullish(),
});
const itemShape = z.object({
  payout_item_id: z.string(),
  transaction_status: z.string().nullish(),
  payout_item: z.object({ sender_item_id: z.string().nullish(), amount: amountShape }),
  errors: z.object({ name: z.string().nullish() }).nullish(),
});
// The create answer and the batch list items; only ids are needed from them.
const batchShape = z.object({
  batch_header: z.object({ payout_batch_id: z.string() }),
  items: z.array(z.object({ payout_item_id: z.string(), payout_item: z.object({ sender_item_id: z.string().nullish() }).nullish() })).nullish(),
});

type Order = z.infer<typeof orderShape>;
type Item = z.infer<typeof itemShape>;

/** A PaymentProvider over PayPal's REST API (no refund, startCardSetup or savedCard). */
export function createPaypal(options: PaypalOptions): PaymentProvider {
  const api = paypalApi(options);
  const webhook = { api, webhookId: options.webhookId, toleranceSeconds: options.toleranceSeconds ?? 300 };
  const payment = async (providerRef: string): Promise<PaymentState> =>
    paymentState(await api.call({ method: 'GET', path: `/v2/checkout/orders/${encodeURIComponent(providerRef)}` }, orderShape));
  const payout = async (providerRef: string): Promise<PayoutState> => payoutState(await readItem(api, providerRef), false);

  return {
    name: 'paypal',
    async createCheckout(request): Promise<Checkout> {
      const id = String(request.topUpId);
      const body = {
        intent: 'CAPTURE',
        purchase_units: [{ reference_id: id, custom_id: id, amount: { currency_code: 'USD', value: centsToDecimal(request.amountCents) } }],
        payment_source: {
          paypal: {
            // A balance top-up ships nothing, and the payer pays on PayPal's page, not ours.
            experience_context: { return_url: request.returnUrl, cancel_url: request.cancelUrl, shipping_preference: 'NO_SHIPPING', user_action: 'PAY_NOW' },
          },
        },
      };
      const order = await api.call({ method: 'POST', path: '/v2/checkout/orders', json: JSON.stringify(body), requestId: `topup-${id}` }, orderShape);
      // payer-action is the link when a payment_source is given; approve is the older name.
      const link = order.links?.find((l) => l.rel === 'payer-action') ?? order.links?.find((l) => l.rel === 'approve');
      if (!link) throw new Error(`paypal: order ${order.id} came back without a payer-action link`);
      return { providerRef: order.id, checkoutUrl: link.href };
    },
    payment,
    async capture(providerRef, topUpId) {
      const path = `/v2/checkout/orders/${encodeURIComponent(providerRef)}/capture`;
      try {
        await api.call({ method: 'POST', path, json: '{}', requestId: `topup-${topUpId}-capture` }, z.unknown());
      } catch (error) {
        // Captured by an earlier attempt whose answer we lost: the order says how it went.
        if (!(error instanceof ProviderRefusal && error.code === 'ORDER_ALREADY_CAPTURED')) throw error;
      }
      // Read back rather than map the capture answer: one mapping, from the full order.
      return payment(providerRef);
    },
    sendPayout: async (request) => payout(await payoutItemFor(api, request)),
    payout,
    async cancelPayout(providerRef) {
      const path = `/v1/payments/payouts-item/${encodeURIComponent(providerRef)}/cancel`;
      try {
        await api.call({ method: 'POST', path, json: '{}' }, z.unknown());
      } catch (error) {
        // Refused because it is no longer PENDING/UNCLAIMED: its state as it is answers.
        if (error instanceof ProviderRefusal && [400, 409, 422].includes(error.status)) return payout(providerRef);
        throw error;
      }
      return payoutState(await readItem(api, providerRef), true);
    },
    verifyWebhook: (rawBody, headers, nowMs) => verifyPaypalWebhook(webhook, rawBody, headers, nowMs),
  };
}

function readItem(api: PaypalApi, itemId: string): Promise<Item> {
  return api.call({ method: 'GET', path: `/v1/payments/payouts-item/${encodeURIComponent(itemId)}` }, itemShape);
}

/**
 * Sends the payout batch of one item and answers the item's id. The withdrawal is followed by
 * its item, not the batch: items are what PayPal's webhooks name, and what is cancelled. The
 * create answer rarely lists items (PayPal processes the batch afterwards), so the batch is
 * read; an item not listed yet is a plain Error, and the retry replays the create by its
 * PayPal-Request-Id and reads again.
 */
async function payoutItemFor(api: PaypalApi, request: PayoutRequest): Promise<string> {
  const senderItemId = request.senderItemId ?? `withdrawal-${request.withdrawalId}`;
  const body = {
    sender_batch_header: { sender_batch_id: request.idempotencyKey, email_subject: 'You have a payout from gigflow' },
    items: [{ recipient_type: 'EMAIL', amount: { value: centsToDecimal(request.amountCents), currency: 'USD' }, receiver: request.destination, sender_item_id: senderItemId }],
  };
  const answer = await api.send({ method: 'POST', path: '/v1/payments/payouts', json: JSON.stringify(body), requestId: request.idempotencyKey });
  let batchId: string;
  if (answer.status < 400) {
    const created = batchShape.safeParse(answer.body);
    if (!created.success) throw new Error(`paypal: POST /v1/payments/payouts answered an unexpected shape: ${z.prettifyError(created.error)}`);
    const listed = itemFor(created.data, senderItemId);
    if (listed) return listed;
    batchId = created.data.batch_header.payout_batch_id;
  } else {
    const existing = duplicateBatchId(answer.body);
    if (existing === null) throw paypalRefusal(answer, 'POST /v1/payments/payouts');
    batchId = existing;
  }
  const batch = await api.call({ method: 'GET', path: `/v1/payments/payouts/${encodeURIComponent(batchId)}` }, batchShape);
  const itemId = itemFor(batch, senderItemId);
  if (itemId) return itemId;
  if (batch.items && batch.items.length > 0) {
    // The key was used for another withdrawal's batch: never pay this one under it.
    throw new ProviderRefusal('paypal', 400, 'USER_BUSINESS_ERROR', `payout batch ${batchId} (${request.idempotencyKey}) has no item ${senderItemId}`);
  }
  throw new Error(`paypal: payout batch ${batchId} does not list its item yet`);
}

function itemFor(batch: z.infer<typeof batchShape>, senderItemId: string): string | null {
  return batch.items?.find((item) => item.payout_item?.sender_item_id === senderItemId)?.payout_item_id ?? null;
}

/**
 * A sender_batch_id used before (400 USER_BUSINESS_ERROR) means our batch exists but the
 * request-id replay did not answer (expired, or sent without it). PayPal may link the existing
 * batch in the error; without that link there is nothing to look it up by, so the refusal
 * stands and staff reconcile: paying again under a new key could pay twice.
 */
function duplicateBatchId(body: unknown): string | null {
  if (!isRecord(body) || body['name'] !== 'USER_BUSINESS_ERROR') return null;
  const details = Array.isArray(body['details']) ? body['details'] : [];
  const links = [body['links'], ...details.map((detail) => (isRecord(detail) ? detail['link'] ?? detail['links'] : undefined))];
  for (const list of links) {
    for (const link of Array.isArray(list) ? list : []) {
      const href = isRecord(link) ? link['href'] : undefined;
      const match = typeof href === 'string' ? /\/v1\/payments\/payouts\/([^/?#]+)$/.exec(href) : null;
      if (match?.[1]) return decodeURIComponent(match[1]);
    }
  }
  return null;
}

function paymentState(order: Order): PaymentState {
  const unit = order.purchase_units?.[0];
  const capture = unit?.payments?.captures?.[0] ?? null;
  const amount = unit?.amount?.value ?? capture?.amount?.value;
  if (amount === undefined) throw new Error(`paypal: order ${order.id} came back without an amount`);
  const base = {
    providerRef: order.id,
    topUpId: idFromDigits(unit?.custom_id ?? unit?.reference_id),
    amountCents: decimalToCents(amount),
    card: null,
    payerEmail: order.payer?.email_address ?? order.payment_source?.paypal?.email_address ?? null,
  };
  const pending = { ...base, status: 'pending' as const, awaitingPayer: false, failureReason: null, chargeRef: null };
  if (capture) {
    // The capture decides once there is one, whatever the order's own status says.
    if (capture.status === 'COMPLETED') return { ...base, status: 'succeeded', awaitingPayer: false, failureReason: null, chargeRef: capture.id };
    if (capture.status === 'DECLINED' || capture.status === 'FAILED') return { ...base, status: 'failed', awaitingPayer: false, failureReason: 'declined', chargeRef: capture.id };
    // PENDING (an eCheck, a review): the money is not ours yet.
    return pending;
  }
  if (order.status === 'VOIDED') return { ...base, status: 'failed', awaitingPayer: false, failureReason: 'voided', chargeRef: null };
  // CREATED, SAVED, PAYER_ACTION_REQUIRED: the payer has not approved; APPROVED is pending too,
  // until we capture it, but no longer the payer's to give up.
  return { ...pending, awaitingPayer: ['CREATED', 'SAVED', 'PAYER_ACTION_REQUIRED'].includes(order.status) };
}

/**
 * An item's state. RETURNED is money back with us: `cancelled` when we cancelled it (the
 * cancel call, or RETURNED without errors, which is what a cancel leaves), else `failed`.
 */
function payoutState(item: Item, cancelledByUs: boolean): PayoutState {
  const base = {
    providerRef: item.payout_item_id,
    withdrawalId: withdrawalIdOf(item.payout_item.sender_item_id),
    amountCents: decimalToCents(item.payout_item.amount.value),
  };
  const status = item.transaction_status ?? 'PENDING';
  const reason = item.errors?.name ?? status.toLowerCase();
  switch (status) {
    case 'SUCCESS':
      return { ...base, status: 'paid', failureReason: null };
    case 'RETURNED':
      if (cancelledByUs || !item.errors?.name) return { ...base, status: 'cancelled', failureReason: null };
      return { ...base, status: 'failed', failureReason: reason };
    case 'FAILED':
    case 'BLOCKED':
    case 'REFUNDED':
    case 'REVERSED':
    case 'DENIED':
      return { ...base, status: 'failed', failureReason: reason };
    default:
      // PENDING, UNCLAIMED (the receiver has 30 days to claim), ONHOLD, NEW.
      return { ...base, status: 'pending', failureReason: null };
  }
}
