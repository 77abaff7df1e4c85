/**
 * How an order shows in the Temporal Web UI, for support staff: its search attributes
 * (`GigflowStatus = "arbitration"`, `GigflowSellerId = "42"`…), its one-line summary, and the
 * current details that say what it waits for. The placement starts the workflow with
 * `startSearchAttributes`; the workflow upserts `searchAttributesOf` when they change.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { formatUsd } from '../lib/money.js';
import type { Attention } from '../lib/process.js';
import { SA } from '../lib/search-attributes.js';
import { initialState, isFinal, nextDeadline, nextOutcome, type OrderState } from './machine.js';
import type { OrderInput, OrderStatus } from './messages.js';

/** The search-attribute status: the order's status as support staff filter by it. */
export function searchStatus(status: OrderStatus): string {
  return status;
}

/** The attributes a new order starts with (the workflow upserts them as they change). */
export function startSearchAttributes(input: OrderInput): SearchAttributePair[] {
  const next = searchDeadline(initialState(input));
  return [
    { key: SA.status, value: searchStatus('awaiting_start') },
    { key: SA.buyerId, value: String(input.buyer.id) },
    { key: SA.sellerId, value: String(input.seller.id) },
    { key: SA.offerId, value: String(input.offer.offerId) },
    { key: SA.amountCents, value: input.totalCents },
    ...(next ? [{ key: SA.nextDeadline, value: new Date(next.at) }] : []),
  ];
}

/**
 * The attributes as the state has them now; the deadline cleared when none is pending.
 * `held`: whether the order holds for staff (`undefined`: it never did, and the attribute is
 * left out, as in every history written before holds existed).
 */
export function searchAttributesOf(state: OrderState, held?: boolean): SearchAttributeUpdatePair[] {
  const { input } = state;
  const next = searchDeadline(state);
  return [
    { key: SA.status, value: searchStatus(state.status) },
    { key: SA.buyerId, value: String(input.buyer.id) },
    { key: SA.sellerId, value: String(input.seller.id) },
    { key: SA.offerId, value: String(input.offer.offerId) },
    { key: SA.amountCents, value: input.totalCents },
    { key: SA.nextDeadline, value: next ? new Date(next.at) : null },
    ...(held === undefined ? [] : [{ key: SA.needsAttention, value: held ? true : null }]),
  ];
}

/**
 * What the attributes that change (status, next deadline, a hold) say about the state: the
 * workflow upserts only when this changes, which saves an event and a visibility write per
 * transition.
 */
export function searchKey(state: OrderState, held = false): string {
  return `${state.status}|${searchDeadline(state)?.at ?? ''}${held ? '|held' : ''}`;
}

/**
 * The deadline GigflowNextDeadline shows: the next with an outcome (policy 3), or the soonest
 * of all, reminders included, as orders placed before keep it (which also decides when their
 * attributes are upserted, so their histories replay).
 */
function searchDeadline(state: OrderState) {
  return state.input.policy.decisiveSearchDeadline === true ? nextOutcome(state) : nextDeadline(state);
}

/** The one-line summary for the Temporal UI: "Order 123: logo design, $30.00, alice → bob". */
export function summaryOf(input: OrderInput): string {
  return `Order ${input.orderId}: ${input.offer.title}, ${formatUsd(input.totalCents)}, ${input.buyer.login} → ${input.seller.login}`;
}

const waitingFor: Record<Exclude<OrderStatus, 'completed' | 'cancelled' | 'split' | 'void' | 'arbitration'>, string> = {
  awaiting_start: 'waits for the seller to start work',
  in_progress: 'waits for the seller’s delivery',
  late: 'is late: waits for the delivery or the buyer’s cancellation',
  in_review: 'waits for the buyer to accept or ask for a revision',
};

/** What a dispute waits for: the other party's statement, an arbiter to take it, or the arbiter's decision. */
function arbitrationWait(state: OrderState): string {
  const d = state.dispute;
  if (!d?.readyAt) return 'waits for the other party’s statement';
  return d.arbiterId ? `waits for arbiter ${d.arbiterId}’s decision` : 'waits for an arbiter to take the case';
}

/** What the order waits for, in a line, for the Temporal UI's current details; first, a hold if any. */
export function detailsOf(state: OrderState, attention: Attention | null = null): string {
  if (attention) return `NEEDS ATTENTION since ${attention.at}: a write failed for good (${attention.type}: ${attention.reason}); actions are refused and timers wait until staff resolve it. ${detailsOf(state)}`;
  const next = nextOutcome(state);
  const head = `Order ${state.input.orderId} · ${state.status}`;
  if (isFinal(state.status)) {
    const c = state.closure;
    return c ? `${head} (${c.reason}): seller ${formatUsd(c.toSellerCents)}, platform ${formatUsd(c.commissionCents)}, refunded ${formatUsd(c.refundedCents)}` : head;
  }
  const waiting = state.status === 'arbitration' ? arbitrationWait(state) : waitingFor[state.status as keyof typeof waitingFor];
  const pending = state.cancellation ? `; a cancellation request by the ${state.cancellation.by} waits for an answer` : '';
  return `${head}: ${waiting}${pending}${next ? `; next: ${next.outcome}` : ''}`;
}
