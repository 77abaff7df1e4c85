/**
 * The card processor's state and rules, without HTTP: payment intents confirmed by the hosted
 * page, charges, refunds, cards saved for payouts, payouts that settle later, and the balance
 * transactions every movement of money leaves behind (for reconciliation).
 */
import type { CardBehaviour, CardDetails, PayoutBehaviour } from './card-numbers.js';
import { stripeId } from './ids.js';
import type { Scheduler } from './scheduler.js';
import { CardError, resourceMissing } from './stripe-wire.js';

export type CardEventType =
  | 'payment_intent.succeeded'
  | 'payment_intent.payment_failed'
  | 'charge.refunded'
  | 'payout.paid'
  | 'payout.failed'
  | 'payout.canceled';

/** A card typed on a hosted page, reduced to what is kept, with what its number makes it do. */
export interface TypedCard {
  details: CardDetails;
  behaviour: CardBehaviour;
  payout: PayoutBehaviour;
}

export interface PaymentError {
  type: 'card_error';
  code: string;
  decline_code: string;
  message: string;
  charge: string;
  payment_method: { id: string; object: 'payment_method'; type: 'card'; card: CardDetails };
}

export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: 'usd';
  status: 'requires_payment_method' | 'requires_action' | 'succeeded';
  client_secret: string;
  created: number;
  metadata: Record<string, string>;
  latest_charge: string | null;
  last_payment_error: PaymentError | null;
  payment_method: string | null;
  next_action: { type: 'redirect_to_url'; redirect_to_url: { url: string } } | null;
  livemode: false;
}

export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  refunded: boolean;
  paid: boolean;
  captured: boolean;
  currency: 'usd';
  status: 'succeeded' | 'failed';
  payment_intent: string;
  payment_method: string;
  created: number;
  metadata: Record<string, string>;
  balance_transaction: string | null;
  failure_code: string | null;
  failure_message: string | null;
  payment_method_details: { type: 'card'; card: CardDetails };
  livemode: false;
}

export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  currency: 'usd';
  charge: string;
  payment_intent: string;
  status: 'succeeded';
  reason: string | null;
  created: number;
  metadata: Record<string, string>;
  balance_transaction: string;
}

export interface PaymentMethod {
  id: string;
  object: 'payment_method';
  type: 'card';
  card: CardDetails;
  created: number;
  livemode: false;
}

export interface SetupIntent {
  id: string;
  object: 'setup_intent';
  status: 'requires_payment_method' | 'succeeded';
  client_secret: string;
  usage: 'off_session' | 'on_session';
  created: number;
  metadata: Record<string, string>;
  payment_method: string | null;
  livemode: false;
}

export interface Payout {
  id: string;
  object: 'payout';
  amount: number;
  currency: 'usd';
  arrival_date: number;
  created: number;
  destination: string;
  metadata: Record<string, string>;
  method: 'standard';
  type: 'card';
  status: 'pending' | 'paid' | 'failed' | 'canceled';
  failure_code: string | null;
  failure_message: string | null;
  balance_transaction: string;
  failure_balance_transaction: string | null;
  livemode: false;
}

/**
 * One movement of money, signed from the platform's side. Besides Stripe's `charge`, `refund`
 * and `payout`, a payout that fails or is cancelled gives its money back with a second entry
 * (`payout_failure`, `payout_cancel`, Stripe's names), so the sum is always the real balance.
 */
export interface BalanceTransaction {
  id: string;
  object: 'balance_transaction';
  amount: number;
  fee: 0;
  net: number;
  currency: 'usd';
  type: 'charge' | 'refund' | 'payout' | 'payout_failure' | 'payout_cancel';
  source: string;
  status: 'available';
  created: number;
  description: string;
}

export interface CardProcessorDeps {
  now: () => number;
  scheduler: Scheduler;
  /** The delayed card's webhook delay and the payout settling delay. */
  delays: { webhookMs: number; payoutMs: number };
  /** Where the hosted pages live, e.g. `http://127.0.0.1:3002/card`. */
  baseUrl: string;
  /** Publishes an event about `object` (a snapshot is taken at once). */
  emit(type: CardEventType, object: object, options?: { delayMs?: number; copies?: number }): void;
}

const DECLINES: Record<string, { decline: string; message: string }> = {
  card_declined: { decline: 'generic_decline', message: 'Your card was declined.' },
  insufficient_funds: { decline: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  authentication_required: { decline: 'authentication_required', message: 'Your card was not authenticated (3-D Secure failed).' },
};

/** Where a payment attempt on the hosted page ended. */
export type PaymentOutcome = 'succeeded' | 'failed' | 'requires_action';

/** The card processor's whole state; every method is one operation of the spec. */
export class CardProcessor {
  private readonly intents = new Map<string, PaymentIntent>();
  private readonly charges = new Map<string, Charge>();
  private readonly refunds = new Map<string, Refund>();
  private readonly setups = new Map<string, SetupIntent>();
  private readonly methods = new Map<string, PaymentMethod>();
  /** How payouts to each saved card end (what its number said; the number itself is gone). */
  private readonly payoutCards = new Map<string, PayoutBehaviour>();
  private readonly payouts = new Map<string, Payout>();
  private readonly cancelSettle = new Map<string, () => void>();
  private readonly ledger: BalanceTransaction[] = [];
  /** A card waiting for its 3-D Secure challenge, by intent id. */
  private readonly challenges = new Map<string, { method: PaymentMethod; behaviour: CardBehaviour }>();

  constructor(private readonly deps: CardProcessorDeps) {}

  private seconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  createPaymentIntent(input: { amount: number; metadata: Record<string, string> }): PaymentIntent {
    const id = stripeId('pi');
    const intent: PaymentIntent = {
      id, object: 'payment_intent', amount: input.amount, amount_received: 0, currency: 'usd',
      status: 'requires_payment_method', client_secret: `${id}_secret_${stripeId('cs').slice(3)}`,
      created: this.seconds(), metadata: input.metadata, latest_charge: null, last_payment_error: null,
      payment_method: null, next_action: null, livemode: false,
    };
    this.intents.set(id, intent);
    return intent;
  }

  paymentIntent(id: string): PaymentIntent {
    const intent = this.intents.get(id);
    if (!intent) throw resourceMissing('payment_intent', id);
    return intent;
  }

  charge(id: string): Charge {
    const charge = this.charges.get(id);
    if (!charge) throw resourceMissing('charge', id);
    return charge;
  }

  /** The charge as Stripe shows it, with its refunds. */
  chargeView(charge: Charge) {
    const refunds = [...this.refunds.values()].filter((refund) => refund.charge === charge.id).reverse();
    return { ...charge, refunds: { object: 'list', data: refunds, has_more: false, url: `/v1/charges/${charge.id}/refunds` } };
  }

  /** The intent, with `latest_charge` expanded when asked. */
  intentView(intent: PaymentIntent, expand: readonly string[]) {
    if (!expand.includes('latest_charge') || intent.latest_charge === null) return intent;
    return { ...intent, latest_charge: this.chargeView(this.charge(intent.latest_charge)) };
  }

  listIntents = () => [...this.intents.values()].reverse();
  listRefunds = () => [...this.refunds.values()].reverse();
  listPayouts = () => [...this.payouts.values()].reverse();
  listBalance = () => [...this.ledger].reverse();

  /** The hosted page's card, for an intent waiting for one. */
  pay(intent: PaymentIntent, card: TypedCard): PaymentOutcome {
    if (intent.status !== 'requires_payment_method') {
      throw new CardError(400, 'invalid_request_error', 'payment_intent_unexpected_state', `This PaymentIntent's status is ${intent.status}.`);
    }
    const method = this.createMethod(card.details);
    const { behaviour } = card;
    if (behaviour.kind === 'declined') return this.fail(intent, method, behaviour.code);
    if (behaviour.kind === 'three_d_secure') {
      this.challenges.set(intent.id, { method, behaviour });
      intent.status = 'requires_action';
      intent.next_action = { type: 'redirect_to_url', redirect_to_url: { url: `${this.deps.baseUrl}/pay/${intent.id}/3ds?client_secret=${intent.client_secret}` } };
      return 'requires_action';
    }
    return this.succeed(intent, method, behaviour);
  }

  /** The 3-D Secure challenge's answer: "Complete" succeeds, "Fail" fails. */
  authenticate(intent: PaymentIntent, completed: boolean): PaymentOutcome {
    const challenge = this.challenges.get(intent.id);
    if (intent.status !== 'requires_action' || !challenge) {
      throw new CardError(400, 'invalid_request_error', 'payment_intent_unexpected_state', 'This PaymentIntent has no 3-D Secure challenge waiting.');
    }
    this.challenges.delete(intent.id);
    intent.next_action = null;
    return completed ? this.succeed(intent, challenge.method, { kind: 'succeeds' }) : this.fail(intent, challenge.method, 'authentication_required');
  }

  private createMethod(card: CardDetails): PaymentMethod {
    const method: PaymentMethod = { id: stripeId('pm'), object: 'payment_method', type: 'card', card, created: this.seconds(), livemode: false };
    this.methods.set(method.id, method);
    return method;
  }

  private newCharge(intent: PaymentIntent, method: PaymentMethod, failure: { code: string; message: string } | null): Charge {
    const succeeded = failure === null;
    const charge: Charge = {
      id: stripeId('ch'), object: 'charge', amount: intent.amount, amount_captured: succeeded ? intent.amount : 0,
      amount_refunded: 0, refunded: false, paid: succeeded, captured: succeeded, currency: 'usd',
      status: succeeded ? 'succeeded' : 'failed', payment_intent: intent.id, payment_method: method.id,
      created: this.seconds(), metadata: { ...intent.metadata }, balance_transaction: null,
      failure_code: failure?.code ?? null, failure_message: failure?.message ?? null,
      payment_method_details: { type: 'card', card: method.card }, livemode: false,
    };
    this.charges.set(charge.id, charge);
    intent.latest_charge = charge.id;
    return charge;
  }

  private succeed(intent: PaymentIntent, method: PaymentMethod, behaviour: CardBehaviour): PaymentOutcome {
    const charge = this.newCharge(intent, method, null);
    charge.balance_transaction = this.record('charge', intent.amount, charge.id, `Payment ${intent.id}`);
    Object.assign(intent, { status: 'succeeded', amount_received: intent.amount, payment_method: method.id, last_payment_error: null });
    const delayMs = behaviour.kind === 'delayed_webhook' ? this.deps.delays.webhookMs : 0;
    const copies = behaviour.kind === 'duplicate_webhook' ? 2 : 1;
    this.deps.emit('payment_intent.succeeded', intent, { delayMs, copies });
    return 'succeeded';
  }

  private fail(intent: PaymentIntent, method: PaymentMethod, code: string): PaymentOutcome {
    const { decline, message } = DECLINES[code] ?? { decline: code, message: 'Your card was declined.' };
    const charge = this.newCharge(intent, method, { code, message });
    intent.status = 'requires_payment_method';
    intent.payment_method = null;
    intent.last_payment_error = { type: 'card_error', code, decline_code: decline, message, charge: charge.id, payment_method: { id: method.id, object: 'payment_method', type: 'card', card: method.card } };
    this.deps.emit('payment_intent.payment_failed', intent);
    return 'failed';
  }

  private record(type: BalanceTransaction['type'], amount: number, source: string, description: string): string {
    const entry: BalanceTransaction = {
      id: stripeId('txn'), object: 'balance_transaction', amount, fee: 0, net: amount, currency: 'usd',
      type, source, status: 'available', created: this.seconds(), description,
    };
    this.ledger.push(entry);
    return entry.id;
  }

  /** Refunds `amount` (default: what is left) of a succeeded intent's charge. */
  refund(input: { paymentIntent: string; amount: number | undefined; reason: string | null; metadata: Record<string, string> }): Refund {
    const intent = this.paymentIntent(input.paymentIntent);
    if (intent.status !== 'succeeded' || intent.latest_charge === null) {
      throw new CardError(400, 'invalid_request_error', 'payment_intent_unexpected_state', `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, 'payment_intent');
    }
    const charge = this.charge(intent.latest_charge);
    const left = charge.amount - charge.amount_refunded;
    if (left === 0) throw new CardError(400, 'invalid_request_error', 'charge_already_refunded', `Charge ${charge.id} has already been refunded.`, 'payment_intent');
    const amount = input.amount ?? left;
    if (amount > left) {
      throw new CardError(400, 'invalid_request_error', 'amount_too_large', `Refund amount (${amount}) is greater than unrefunded amount on charge (${left}).`, 'amount');
    }
    const id = stripeId('re');
    const refund: Refund = {
      id, object: 'refund', amount, currency: 'usd', charge: charge.id, payment_intent: intent.id, status: 'succeeded',
      reason: input.reason, created: this.seconds(), metadata: input.metadata, balance_transaction: this.record('refund', -amount, id, `Refund of ${charge.id}`),
    };
    this.refunds.set(id, refund);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    this.deps.emit('charge.refunded', this.chargeView(charge));
    return refund;
  }

  createSetupIntent(input: { usage: SetupIntent['usage']; metadata: Record<string, string> }): SetupIntent {
    const id = stripeId('seti');
    const setup: SetupIntent = {
      id, object: 'setup_intent', status: 'requires_payment_method', client_secret: `${id}_secret_${stripeId('cs').slice(3)}`,
      usage: input.usage, created: this.seconds(), metadata: input.metadata, payment_method: null, livemode: false,
    };
    this.setups.set(id, setup);
    return setup;
  }

  setupIntent(id: string): SetupIntent {
    const setup = this.setups.get(id);
    if (!setup) throw resourceMissing('setup_intent', id);
    return setup;
  }

  setupView(setup: SetupIntent, expand: readonly string[]) {
    if (!expand.includes('payment_method') || setup.payment_method === null) return setup;
    return { ...setup, payment_method: this.methods.get(setup.payment_method) ?? null };
  }

  /** The setup page's card: saved as a payment method payouts may be sent to. */
  saveCard(setup: SetupIntent, card: TypedCard): PaymentMethod {
    if (setup.status !== 'requires_payment_method') {
      throw new CardError(400, 'invalid_request_error', 'setup_intent_unexpected_state', `This SetupIntent's status is ${setup.status}.`);
    }
    const method = this.createMethod(card.details);
    this.payoutCards.set(method.id, card.payout);
    setup.status = 'succeeded';
    setup.payment_method = method.id;
    return method;
  }

  createPayout(input: { amount: number; destination: string; metadata: Record<string, string> }): Payout {
    const behaviour = this.payoutCards.get(input.destination);
    if (!behaviour) {
      if (this.methods.has(input.destination)) throw new CardError(400, 'invalid_request_error', 'parameter_invalid', `${input.destination} was not saved for payouts (use a SetupIntent).`, 'destination');
      throw resourceMissing('payment_method', input.destination, 'destination');
    }
    const id = stripeId('po');
    const created = this.seconds();
    const payout: Payout = {
      id, object: 'payout', amount: input.amount, currency: 'usd', arrival_date: created, created, destination: input.destination,
      metadata: input.metadata, method: 'standard', type: 'card', status: 'pending', failure_code: null, failure_message: null,
      balance_transaction: this.record('payout', -input.amount, id, `Payout to ${input.destination}`), failure_balance_transaction: null, livemode: false,
    };
    this.payouts.set(id, payout);
    // A "silent" card's payout never settles: the provider that never confirms.
    if (behaviour !== 'silent') this.cancelSettle.set(id, this.deps.scheduler.after(this.deps.delays.payoutMs, () => this.settle(payout, behaviour)));
    return payout;
  }

  private settle(payout: Payout, behaviour: 'paid' | 'failed'): void {
    this.cancelSettle.delete(payout.id);
    if (payout.status !== 'pending') return;
    if (behaviour === 'paid') {
      payout.status = 'paid';
      this.deps.emit('payout.paid', payout);
      return;
    }
    Object.assign(payout, { status: 'failed', failure_code: 'could_not_process', failure_message: 'The bank could not process this payout.' });
    payout.failure_balance_transaction = this.record('payout_failure', payout.amount, payout.id, `Payout ${payout.id} failed`);
    this.deps.emit('payout.failed', payout);
  }

  payout(id: string): Payout {
    const payout = this.payouts.get(id);
    if (!payout) throw resourceMissing('payout', id);
    return payout;
  }

  cancelPayout(id: string): Payout {
    const payout = this.payout(id);
    if (payout.status !== 'pending') throw new CardError(400, 'invalid_request_error', 'payout_not_cancelable', `Payouts can only be canceled while they are pending; ${id} is ${payout.status}.`);
    this.cancelSettle.get(id)?.();
    this.cancelSettle.delete(id);
    payout.status = 'canceled';
    this.record('payout_cancel', payout.amount, payout.id, `Payout ${payout.id} canceled`);
    this.deps.emit('payout.canceled', payout);
    return payout;
  }
}
