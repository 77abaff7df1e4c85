/**
 * Orders written to the database as their workflow would have left them, for tests of what
 * reads the `orders` row once an order is over (feedback, a closed order's page, reputation):
 * the state comes from the real order machine (placement, then the parties' actions or a
 * deadline); the row is inserted as it stood before the last transition, and that transition
 * is written by the real `recordOrderEvent` — so a closing one recomputes the seller's
 * reputation and the buyer's status as in production. No money moves: the ledger is not what
 * these tests read (the closing record carries no escrow end).
 */
import type { Db } from '../../db/client.js';
import { createOrderActivities } from '../../activities/orders.js';
import { HOUR, MINUTE } from '../../workflows/lib/time.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import * as machine from '../../workflows/order/machine.js';
import type { OrderAction, OrderInput } from '../../workflows/order/messages.js';
import { recordOf } from './order-writes.js';

/** How the order went. */
export type Ending =
  /** Delivered and accepted by the buyer: completed, feedback allowed. */
  | 'accepted'
  /** The work deadline passed (the order went late), then delivered and accepted: completed late. */
  | 'late_accepted'
  /** In work, the buyer asked to cancel for a sufficient reason (no longer needed), the seller agreed: no feedback. */
  | 'buyer_no_longer_needed'
  /** The seller never started: cancelled after 24 h, feedback allowed. */
  | 'seller_ignored'
  /** In work, the seller asked to cancel for an insufficient reason (too busy), the buyer agreed: feedback allowed. */
  | 'seller_too_busy'
  /** The work deadline passed without a delivery, and the buyer cancelled: feedback allowed. */
  | 'cancelled_late'
  /** The buyer cancelled within the free window: no feedback. */
  | 'buyer_free_cancel'
  /** Still in progress. */
  | 'in_progress';

/** Writes an order of `buyer` for `offerId` (by its seller) that ended as `ending`; returns its id. */
export async function insertOrder(
  db: Db,
  opts: { buyer: { id: number; login: string }; offerId: number; ending: Ending; placedAt?: Date },
): Promise<number> {
  const [offer] = await db.sql<{ seller_id: string; login: string; title: string; category_id: number; price_cents: number; lead_time_days: number }[]>`
    select o.seller_id, u.login, o.title, o.category_id, o.price_cents, o.lead_time_days
    from offers o join users u on u.id = o.seller_id where o.id = ${opts.offerId}`;
  if (!offer) throw new Error(`no offer ${opts.offerId}`);
  const [{ id }] = (await db.sql`select nextval(pg_get_serial_sequence('orders', 'id'))::int8 as id`) as unknown as [{ id: string }];
  const placedAt = opts.placedAt ?? new Date('2026-10-05T09:00:00Z');
  const after = (ms: number) => new Date(placedAt.getTime() + ms).toISOString();
  const input: OrderInput = {
    orderId: Number(id),
    buyer: { id: opts.buyer.id, login: opts.buyer.login },
    seller: { id: Number(offer.seller_id), login: offer.login },
    offer: {
      offerId: opts.offerId,
      title: offer.title,
      categoryId: offer.category_id,
      basePriceCents: offer.price_cents,
      baseLeadTimeDays: offer.lead_time_days,
      instructions: '',
      unitVolume: '',
    },
    line: { kind: 'basic', units: 1, options: [] },
    totalCents: offer.price_cents,
    leadTimeMs: offer.lead_time_days * 24 * HOUR,
    placedAt: placedAt.toISOString(),
    requirements: null,
    policy: orderPolicy(),
  };
  const buyer = { role: 'buyer' as const, userId: input.buyer.id };
  const seller = { role: 'seller' as const, userId: input.seller.id };

  let state = machine.initialState(input);
  let now = input.placedAt;
  /** The state before the last transition, and that transition: the row holds the one, `recordOrderEvent` writes the other. */
  let before: { state: machine.OrderState; now: string } = { state, now };
  let last: machine.Transition | null = null;
  const apply = (transition: machine.Transition, at: string) => {
    before = { state, now };
    last = transition;
    state = transition.state;
    now = at;
  };
  const step = (actor: typeof buyer | typeof seller, action: OrderAction, at: string) => apply(machine.act(state, { actor, action }, at), at);
  const deadline = (kind: string) => {
    const due = machine.deadlinesOf(state).find((d) => d.kind === kind)!;
    apply(machine.onDeadline(state, due, due.at), due.at);
    return Date.parse(due.at);
  };
  switch (opts.ending) {
    case 'accepted':
      step(seller, { type: 'start_work' }, after(HOUR));
      step(seller, { type: 'deliver', text: 'Here is your logo.', links: ['https://files.example.com/logo.zip'] }, after(26 * HOUR));
      step(buyer, { type: 'accept' }, after(30 * HOUR));
      break;
    case 'late_accepted': {
      step(seller, { type: 'start_work' }, after(HOUR));
      const due = deadline('work_deadline');
      step(seller, { type: 'deliver', text: 'Here is your logo, late.', links: ['https://files.example.com/logo.zip'] }, new Date(due + HOUR).toISOString());
      step(buyer, { type: 'accept' }, new Date(due + 2 * HOUR).toISOString());
      break;
    }
    case 'seller_ignored':
      deadline('start');
      break;
    case 'buyer_no_longer_needed':
      step(seller, { type: 'start_work' }, after(HOUR));
      step(buyer, { type: 'request_cancellation', reason: 'no_longer_needed' }, after(5 * HOUR));
      step(seller, { type: 'accept_cancellation' }, after(6 * HOUR));
      break;
    case 'seller_too_busy':
      step(seller, { type: 'start_work' }, after(HOUR));
      step(seller, { type: 'request_cancellation', reason: 'too_busy' }, after(5 * HOUR));
      step(buyer, { type: 'accept_cancellation' }, after(6 * HOUR));
      break;
    case 'cancelled_late': {
      step(seller, { type: 'start_work' }, after(HOUR));
      const due = deadline('work_deadline');
      step(buyer, { type: 'cancel' }, new Date(due + HOUR).toISOString());
      break;
    }
    case 'buyer_free_cancel':
      step(buyer, { type: 'cancel' }, after(5 * MINUTE));
      break;
    case 'in_progress':
      step(seller, { type: 'start_work' }, after(HOUR));
      break;
  }

  const row = { ...machine.viewOf(before.state, 'staff', before.now), allowedActions: [] };
  await db.sql`
    insert into orders (id, buyer_id, seller_id, offer_id, request_key, title, total_cents, seller_earnings_cents, commission_cents,
      status, next_deadline_at, next_deadline_outcome, waiting_on, closure, view, seq, policy_version, created_at, updated_at, closed_at)
    values (${input.orderId}, ${input.buyer.id}, ${input.seller.id}, ${opts.offerId}, ${`test:${input.orderId}`}, ${offer.title}, ${input.totalCents},
      ${row.amounts.sellerEarningsCents}, ${row.amounts.commissionCents}, ${before.state.status}, ${row.nextDeadline?.at ?? null}::timestamptz, ${row.nextDeadline?.outcome ?? null},
      ${row.nextDeadline?.party ?? null}, ${null}::jsonb, ${JSON.stringify(row)}::jsonb, ${before.state.seq},
      ${input.policy.version}, ${input.placedAt}::timestamptz, ${before.now}::timestamptz, ${null}::timestamptz)`;
  const transition = last as machine.Transition | null;
  if (transition) {
    // An ignored order's standing is not what these histories are for (test/integration/sanctions.test.ts is).
    await createOrderActivities({ db, report: async () => {} }).recordOrderEvent(recordOf(input, state, { ...transition.effects, money: null }, now));
  }
  return input.orderId;
}
