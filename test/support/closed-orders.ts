/**
 * Orders written straight to the database as their workflow would have left them, for tests
 * of what reads the `orders` row once an order is over (feedback, a closed order's page):
 * the state comes from the real order machine (placement, then the parties' actions or a
 * deadline), and the row holds what `recordOrderEvent` writes. No money moves: the ledger is
 * not what these tests read.
 */
import type { Db } from '../../db/client.js';
import { HOUR, MINUTE } from '../../workflows/lib/time.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import * as machine from '../../workflows/order/machine.js';
import type { OrderAction, OrderInput } from '../../workflows/order/messages.js';

/** How the order went. */
export type Ending =
  /** Delivered and accepted by the buyer: completed, feedback allowed. */
  | 'accepted'
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
  const step = (actor: typeof buyer | typeof seller, action: OrderAction, at: string) => {
    state = machine.act(state, { actor, action }, at).state;
    now = at;
  };
  switch (opts.ending) {
    case 'accepted':
      step(seller, { type: 'start_work' }, after(HOUR));
      step(seller, { type: 'deliver', text: 'Here is your logo.', links: ['https://files.example.com/logo.zip'] }, after(26 * HOUR));
      step(buyer, { type: 'accept' }, after(30 * HOUR));
      break;
    case 'seller_ignored': {
      const start = machine.deadlinesOf(state).find((d) => d.kind === 'start')!;
      state = machine.onDeadline(state, start, start.at).state;
      now = start.at;
      break;
    }
    case 'seller_too_busy':
      step(seller, { type: 'start_work' }, after(HOUR));
      step(seller, { type: 'request_cancellation', reason: 'too_busy' }, after(5 * HOUR));
      step(buyer, { type: 'accept_cancellation' }, after(6 * HOUR));
      break;
    case 'cancelled_late': {
      step(seller, { type: 'start_work' }, after(HOUR));
      const due = machine.deadlinesOf(state).find((d) => d.kind === 'work_deadline')!;
      state = machine.onDeadline(state, due, due.at).state;
      step(buyer, { type: 'cancel' }, new Date(Date.parse(due.at) + HOUR).toISOString());
      break;
    }
    case 'buyer_free_cancel':
      step(buyer, { type: 'cancel' }, after(5 * MINUTE));
      break;
    case 'in_progress':
      step(seller, { type: 'start_work' }, after(HOUR));
      break;
  }

  const view = { ...machine.viewOf(state, 'buyer', now), allowedActions: [] };
  await db.sql`
    insert into orders (id, buyer_id, seller_id, offer_id, request_key, title, total_cents, seller_earnings_cents, commission_cents,
      status, next_deadline_at, next_deadline_outcome, waiting_on, closure, view, seq, policy_version, created_at, updated_at, closed_at)
    values (${input.orderId}, ${input.buyer.id}, ${input.seller.id}, ${opts.offerId}, ${`test:${input.orderId}`}, ${offer.title}, ${input.totalCents},
      ${view.amounts.sellerEarningsCents}, ${view.amounts.commissionCents}, ${state.status}, ${view.nextDeadline?.at ?? null}::timestamptz, ${view.nextDeadline?.outcome ?? null},
      ${view.nextDeadline?.party ?? null}, ${state.closure ? JSON.stringify(state.closure) : null}::jsonb, ${JSON.stringify(view)}::jsonb, ${state.seq},
      ${input.policy.version}, ${input.placedAt}::timestamptz, ${now}::timestamptz, ${state.closure?.at ?? null}::timestamptz)`;
  return input.orderId;
}
