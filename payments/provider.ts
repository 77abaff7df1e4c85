/**
 * What gigflow asks of a payment provider, whatever its wire protocol: take a top-up on a
 * hosted page (K-47: "Add Funds" → choose method → redirect to the payment system), save a
 * card for payouts without the number ever reaching us, send a payout, refund a card top-up
 * (K-48: early withdrawal only back to the same card), and turn a webhook delivery into a
 * verified event. Two implementations speak real protocols: `card-processor.ts` (the Stripe
 * PaymentIntents style) and `paypal.ts` (PayPal Orders v2 and Payouts). `providers/` in this
 * repository is a local server that speaks both, for development and tests.
 *
 * Shared by services/ (the API's side) and activities/ (the worker's side): no database here.
 */

export type ProviderName = 'card' | 'paypal';

/** Money is integer cents (USD) on our side; each adapter converts to its wire format. */
export interface CheckoutRequest {
  /** Our top-up id: becomes the provider's metadata/custom id and the idempotency key. */
  topUpId: number;
  userId: number;
  amountCents: number;
  /** Where the provider sends the payer back, with or without success. */
  returnUrl: string;
  cancelUrl: string;
}

export interface Checkout {
  /** PaymentIntent id (`pi_…`) or PayPal order id. */
  providerRef: string;
  /** The hosted page the payer is sent to: the only place a card number is typed. */
  checkoutUrl: string;
}

/** A payment as the provider reports it now (read back, never trusted from a redirect). */
export interface PaymentState {
  providerRef: string;
  topUpId: number | null;
  amountCents: number;
  status: 'pending' | 'succeeded' | 'failed';
  /**
   * Pending and still waiting for the payer: no card taken yet or a 3-D Secure challenge open;
   * a PayPal order not approved. Only then may we end the top-up on our side (the payer cancelled,
   * or it expired): an approved PayPal order or a processing card payment is money on its way.
   */
  awaitingPayer: boolean;
  failureReason: string | null;
  /** Card payments: what identifies the card without its number (K-48's "same card"). */
  card: { brand: string; last4: string; fingerprint: string } | null;
  /** PayPal: the payer's account. */
  payerEmail: string | null;
  /** Card: the charge id refunds name; PayPal: the capture id. */
  chargeRef: string | null;
}

/** A card saved for payouts: a provider token and what may be shown, never the number. */
export interface SavedCard {
  token: string;
  brand: string;
  last4: string;
  fingerprint: string;
  /** Whose setup saved it (our user id, from the setup's metadata): another user's card is not theirs to use. */
  userId: number | null;
}

export interface PayoutRequest {
  withdrawalId: number;
  /** What the user receives: the gross less the fee (D-04). */
  amountCents: number;
  /** Card: a saved card's token (`pm_…`); PayPal: the receiver's email. */
  destination: string;
  /** From the withdrawal id: sending it again never pays twice. */
  idempotencyKey: string;
  /**
   * PayPal: the item's `sender_item_id`, by which webhooks name the payout; default
   * `withdrawal-<withdrawalId>` (a Kwork withdrawal). Affiliate payouts (W-28) use their own
   * `affiliate-payout-<id>`, so their events never reach a Kwork withdrawal of the same number.
   */
  senderItemId?: string;
}

export interface PayoutState {
  providerRef: string;
  withdrawalId: number | null;
  amountCents: number;
  status: 'pending' | 'paid' | 'failed' | 'cancelled';
  failureReason: string | null;
}

export interface RefundRequest {
  topUpId: number;
  /** The payment to refund (`pi_…`). */
  providerRef: string;
  amountCents: number;
  idempotencyKey: string;
}

/**
 * A webhook delivery after verification, reduced to what gigflow acts on. `subject` names the
 * payment, payout or refund it is about (null for a kind we do not act on, still recorded).
 */
export interface VerifiedEvent {
  provider: ProviderName;
  /** The provider's event id: the same event delivered twice has the same id. */
  eventId: string;
  type: string;
  /** When the provider created the event (ISO). */
  createdAt: string;
  subject:
    | { kind: 'payment'; providerRef: string; topUpId: number | null }
    | { kind: 'payout'; providerRef: string; withdrawalId: number | null }
    | { kind: 'refund'; providerRef: string; topUpId: number | null }
    | null;
  /** The raw event, stored for staff. */
  payload: unknown;
}

/** Why a delivery was refused: nothing is recorded for it (400). */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
  constructor(readonly reason: 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'malformed') {
    super(`webhook refused: ${reason.replaceAll('_', ' ')}`);
  }
}

/** The provider refused a request for a reason a retry will not change (a 4xx). */
export class ProviderRefusal extends Error {
  override name = 'ProviderRefusal';
  constructor(
    readonly provider: ProviderName,
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface PaymentProvider {
  readonly name: ProviderName;
  createCheckout(request: CheckoutRequest): Promise<Checkout>;
  /** The payment's current state, read from the provider (webhooks can arrive out of order). */
  payment(providerRef: string): Promise<PaymentState>;
  /** PayPal only: capture an approved order (card payments are captured on confirmation). */
  capture?(providerRef: string, topUpId: number): Promise<PaymentState>;
  sendPayout(request: PayoutRequest): Promise<PayoutState>;
  payout(providerRef: string): Promise<PayoutState>;
  /** Cancels a payout still pending; answers its state after (a paid one stays paid). */
  cancelPayout(providerRef: string): Promise<PayoutState>;
  /** Card only: refund a top-up back to the card that paid it (K-48). */
  refund?(request: RefundRequest): Promise<{ providerRef: string; status: 'succeeded' | 'failed' }>;
  /** Card only: a hosted page to save a payout card; `savedCard` reads what it saved. */
  startCardSetup?(request: { userId: number; returnUrl: string }): Promise<{ setupRef: string; setupUrl: string }>;
  savedCard?(setupRef: string): Promise<SavedCard | null>;
  /** Verifies a delivery over its raw body and headers; throws WebhookVerificationError. */
  verifyWebhook(rawBody: string, headers: Record<string, string | undefined>, nowMs: number): Promise<VerifiedEvent>;
}

/** The providers gigflow is configured with, by the method a user chose. */
export type Providers = Record<ProviderName, PaymentProvider>;
