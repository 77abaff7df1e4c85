/**
 * Individual offers (K-33, K-46): an Advanced or Professional seller (the level reputation
 * computed, `seller_stats.level`) offers one buyer a description, a price of $10 to $1000 and a
 * lead time, in their direct conversation (where a message announces it) or in answer to a
 * service request. The buyer accepts it — an order through the normal placement (escrow, the
 * 24 h start, paid from the balance; 422 `insufficient_funds` with the missing amount when
 * short) — or declines it; the seller withdraws it while it is open.
 *
 * Expiry: each offer has a workflow, `individual-offer-<id>` (queued in the transaction that
 * writes its row and started after its commit, as placement starts orders:
 * `db/workflow-starts.ts`), whose one timer fires at `expires_at` (made + 7
 * days, its policy): it marks the row expired and tells both parties. The row stays the
 * authority on answers: an `open` offer past `expires_at` reads as `expired` even before the
 * timer's write lands, and every answer to it (accept, decline, withdraw) is refused with 409 by
 * the conditional update that records the answer. After an answer commits, the workflow is told
 * (`answered`), which ends it without a notice.
 *
 * The order an acceptance places is an order of the offer the individual offer is based on
 * (one of the seller's active offers), one unit, no options, its snapshot priced at the agreed
 * terms (`AgreedTerms` of `./placement.ts`). Its request key is the individual offer's own, so
 * accepting twice — with the same Idempotency-Key or another — places one order.
 */
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { queueStartIn, startQueuedOrLeave } from '../db/workflow-starts.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { formatUsd } from '../workflows/lib/money.js';
import { charCount, clip } from '../workflows/lib/text.js';
import type { OrderView } from '../workflows/order/messages.js';
import type { Clock } from './clock.js';
import { keyedRequest } from './idempotency.js';
import { requireConfirmedEmail, type Buyer, type Placement } from './placement.js';
import { expiresAtOf } from '../workflows/individual-offer/machine.js';
import type { Answer } from '../workflows/individual-offer/messages.js';
import { individualOfferPolicy } from '../workflows/individual-offer/policy.js';
import { individualOfferRules } from './policy.js';
import { queuedStart, type WorkflowGateway } from './workflow-gateway.js';

export type IndividualOfferStatus = 'open' | 'accepted' | 'declined' | 'withdrawn' | 'expired';

/** An individual offer as either party sees it. */
export interface IndividualOffer {
  id: number;
  seller: { id: number; login: string };
  buyer: { id: number; login: string };
  basedOnOffer: { id: number; title: string };
  description: string;
  priceCents: number;
  leadTimeDays: number;
  /** `expired`: still open in the table, but past `expiresAt`. */
  status: IndividualOfferStatus;
  conversationId: number | null;
  requestId: number | null;
  orderId: number | null;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
}

/** What a seller offers; `conversationId` defaults to the parties' direct conversation unless the offer answers a request. */
export interface NewIndividualOffer {
  sellerId: number;
  buyerId: number;
  basedOnOfferId: number;
  description: string;
  priceCents: number;
  leadTimeDays: number;
  conversationId?: number;
  requestId?: number;
}

export interface IndividualOffersDeps {
  db: Db;
  clock: Clock;
  placement: Pick<Placement, 'placeAll' | 'placedWithKeyPrefix'>;
  workflows: Pick<WorkflowGateway, 'individualOffer' | 'startQueued'>;
}

type Deps = Pick<IndividualOffersDeps, 'db' | 'clock'>;

/**
 * Tells the offer's workflow it was answered, once the answer committed. A signal that fails
 * is not the caller's failure: the answer stands, and the workflow's timer then finds the row
 * answered and ends without a notice.
 */
async function tellWorkflow(deps: IndividualOffersDeps, id: number, answer: Answer): Promise<void> {
  await deps.workflows.individualOffer.answered(id, answer).catch(() => false);
}

type Row = {
  id: string;
  seller_id: string;
  seller_login: string;
  buyer_id: string;
  buyer_login: string;
  based_on_offer_id: string;
  offer_title: string;
  description: string;
  price_cents: number;
  lead_time_days: number;
  status: 'open' | 'accepted' | 'declined' | 'withdrawn' | 'expired';
  conversation_id: string | null;
  request_id: string | null;
  order_id: string | null;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
};

const iso = (t: string | Date) => new Date(t).toISOString();
const idOrNull = (v: string | null) => (v === null ? null : Number(v));

/** The status as of `now`: an open offer past its expiry is expired. */
export function statusAt(row: { status: Row['status']; expiresAt: Date }, now: Date): IndividualOfferStatus {
  return row.status === 'open' && row.expiresAt.getTime() <= now.getTime() ? 'expired' : row.status;
}

function viewOf(r: Row, now: Date): IndividualOffer {
  return {
    id: Number(r.id),
    seller: { id: Number(r.seller_id), login: r.seller_login },
    buyer: { id: Number(r.buyer_id), login: r.buyer_login },
    basedOnOffer: { id: Number(r.based_on_offer_id), title: r.offer_title },
    description: r.description,
    priceCents: r.price_cents,
    leadTimeDays: r.lead_time_days,
    status: statusAt({ status: r.status, expiresAt: new Date(r.expires_at) }, now),
    conversationId: idOrNull(r.conversation_id),
    requestId: idOrNull(r.request_id),
    orderId: idOrNull(r.order_id),
    createdAt: iso(r.created_at),
    expiresAt: iso(r.expires_at),
    decidedAt: r.decided_at === null ? null : iso(r.decided_at),
  };
}

/** The offers `where` picks, with the parties' logins and the offer's title; `tail` orders and limits. */
const selectRows = (db: Db, where: postgres.PendingQuery<postgres.Row[]>, tail = db.sql``) => db.sql<Row[]>`
  select i.id, i.seller_id, s.login as seller_login, i.buyer_id, b.login as buyer_login, i.based_on_offer_id, o.title as offer_title,
    i.description, i.price_cents, i.lead_time_days, i.status, i.conversation_id, i.request_id, i.order_id, i.created_at, i.expires_at, i.decided_at
  from individual_offers i join users s on s.id = i.seller_id join users b on b.id = i.buyer_id join offers o on o.id = i.based_on_offer_id
  where ${where} ${tail}`;

const ruleError = (path: string, message: string) => fieldError(path, message, 'rule_violation');

/** K-46's bounds and the offer's own: 422 naming the field. */
function checkTerms(input: NewIndividualOffer): void {
  const r = individualOfferRules;
  if (!Number.isSafeInteger(input.priceCents) || input.priceCents < r.minPriceCents || input.priceCents > r.maxPriceCents) {
    throw ruleError('body.priceCents', `an individual offer costs ${formatUsd(r.minPriceCents)} to ${formatUsd(r.maxPriceCents)} (K-46)`);
  }
  if (!Number.isInteger(input.leadTimeDays) || input.leadTimeDays < 1 || input.leadTimeDays > r.maxLeadTimeDays) {
    throw ruleError('body.leadTimeDays', `the lead time is 1 to ${r.maxLeadTimeDays} days`);
  }
  const length = charCount(input.description.trim());
  if (length < r.descriptionMinLength || length > r.descriptionMaxLength) {
    throw ruleError('body.description', `the description is ${r.descriptionMinLength} to ${r.descriptionMaxLength} characters`);
  }
}

/** The direct conversation of the two, created when they have none yet (the same pair rule as `conversations.direct`). */
async function directConversation(tx: postgres.TransactionSql, a: number, b: number, at: string): Promise<number> {
  const [low, high] = a < b ? [a, b] : [b, a];
  await tx`insert into conversations (kind, user_low, user_high, created_at) values ('direct', ${low}, ${high}, ${at}::timestamptz)
    on conflict (user_low, user_high) where kind = 'direct' do nothing`;
  const [c] = await tx<{ id: string }[]>`select id from conversations where kind = 'direct' and user_low = ${low} and user_high = ${high}`;
  await tx`insert into conversation_participants (conversation_id, user_id) values (${c!.id}, ${low}), (${c!.id}, ${high}) on conflict do nothing`;
  return Number(c!.id);
}

/** What the thread shows where the offer was made (the page draws the offer's card beside it). */
export const announcement = (id: number, description: string, priceCents: number, leadTimeDays: number) =>
  clip(`Individual offer #${id}: ${formatUsd(priceCents)}, ${leadTimeDays} day${leadTimeDays === 1 ? '' : 's'}. ${description}`, 4_000);

/**
 * A seller's individual offer to a buyer. 403 for a Newbie seller (K-33); 422 for terms out of
 * bounds (K-46), an offer that is not one of the seller's active ones, or oneself as buyer;
 * 404 for an unknown buyer or a conversation that is not the parties' direct one.
 */
export async function createIndividualOffer(deps: Pick<IndividualOffersDeps, 'db' | 'clock' | 'workflows'>, input: NewIndividualOffer): Promise<IndividualOffer> {
  const { db, clock } = deps;
  checkTerms(input);
  if (input.buyerId === input.sellerId) throw ruleError('body.buyerId', 'an individual offer goes to someone else');
  const [seller] = await db.sql<{ level: string | null }[]>`
    select s.level from users u left join seller_stats s on s.user_id = u.id where u.id = ${input.sellerId}`;
  if (!seller) throw new AppError('not_found', 'no such seller');
  if ((seller.level ?? 'newbie') === 'newbie') {
    throw new AppError('forbidden', 'Newbie sellers cannot make individual offers: Advanced and Professional sellers can (K-33, K-46)', { level: 'newbie' });
  }
  const [buyer] = await db.sql`select 1 from users where id = ${input.buyerId} and blocked_at is null`;
  if (!buyer) throw new AppError('not_found', 'no such buyer');
  const [offer] = await db.sql<{ status: string }[]>`select status from offers where id = ${input.basedOnOfferId} and seller_id = ${input.sellerId}`;
  if (offer?.status !== 'active') throw ruleError('body.basedOnOfferId', 'an individual offer is based on one of your active offers');
  const now = clock.now();
  const at = now.toISOString();
  const policy = individualOfferPolicy();
  const expiresAt = expiresAtOf(at, policy.ttlMs);
  const { id, start } = await db.sql.begin(async (tx) => {
    let conversationId: number | null = input.conversationId ?? null;
    if (conversationId !== null) {
      const [low, high] = input.sellerId < input.buyerId ? [input.sellerId, input.buyerId] : [input.buyerId, input.sellerId];
      const [c] = await tx`select 1 from conversations where id = ${conversationId} and kind = 'direct' and user_low = ${low} and user_high = ${high}`;
      if (!c) throw new AppError('not_found', 'no such conversation between the two of you');
    } else if (input.requestId === undefined) {
      conversationId = await directConversation(tx, input.sellerId, input.buyerId, at);
    }
    const [row] = await tx<{ id: string }[]>`
      insert into individual_offers (seller_id, buyer_id, based_on_offer_id, description, price_cents, lead_time_days, conversation_id, request_id, created_at, expires_at)
      values (${input.sellerId}, ${input.buyerId}, ${input.basedOnOfferId}, ${input.description.trim()}, ${input.priceCents}, ${input.leadTimeDays},
        ${conversationId}, ${input.requestId ?? null}, ${at}::timestamptz, ${expiresAt}::timestamptz)
      returning id`;
    const offerId = Number(row!.id);
    const text = announcement(offerId, input.description.trim(), input.priceCents, input.leadTimeDays);
    if (conversationId !== null) {
      const [m] = await tx<{ id: string }[]>`
        insert into messages (conversation_id, author_id, text, created_at) values (${conversationId}, ${input.sellerId}, ${text}, ${at}::timestamptz) returning id`;
      await tx`update conversation_participants set last_read_message_id = greatest(last_read_message_id, ${m!.id})
        where conversation_id = ${conversationId} and user_id = ${input.sellerId}`;
      await tx`update individual_offers set message_id = ${m!.id} where id = ${offerId}`;
    }
    await tx`insert into notifications (user_id, kind, text, dedupe_key, created_at)
      values (${input.buyerId}, 'individual_offer', ${clip(`You have an individual offer: ${text}`, 1_000)}, ${`individual-offer:${offerId}:made`}, ${at}::timestamptz)
      on conflict (dedupe_key) do nothing`;
    // Its timer's start, queued with it (`db/workflow-starts.ts`).
    const queued = queuedStart('individual_offer', { offerId, sellerId: input.sellerId, buyerId: input.buyerId, priceCents: input.priceCents, createdAt: at, policy });
    await queueStartIn(tx, queued, now);
    return { id: offerId, start: queued };
  });
  // No Idempotency-Key makes a retry safe: a start Temporal did not take is left to a worker's
  // sweep. The offer stands meanwhile (an answer is the row's; the timer finds it answered).
  await startQueuedOrLeave(db, deps.workflows.startQueued, [start]);
  return (await byId(db, id, now))!;
}

async function byId(db: Db, id: number, now: Date): Promise<IndividualOffer | undefined> {
  const [row] = await selectRows(db, db.sql`i.id = ${id}`);
  return row && viewOf(row, now);
}

/** The offer as one of its parties sees it; 404 for anyone else. */
async function view(deps: Deps, viewerId: number, id: number): Promise<IndividualOffer> {
  const offer = await byId(deps.db, id, deps.clock.now());
  if (!offer || (offer.buyer.id !== viewerId && offer.seller.id !== viewerId)) throw new AppError('not_found', 'no such individual offer');
  return offer;
}

/** The party `role` of the offer, or 403 for the other one (404 for a stranger). */
async function asParty(deps: Deps, viewerId: number, id: number, role: 'buyer' | 'seller'): Promise<IndividualOffer> {
  const offer = await view(deps, viewerId, id);
  if (offer[role].id !== viewerId) throw new AppError('forbidden', `only the offer’s ${role} may do this`);
  return offer;
}

const settled = (offer: IndividualOffer) =>
  new AppError('conflict', offer.status === 'expired' ? `the individual offer expired at ${offer.expiresAt}` : `the individual offer is ${offer.status}`, {
    status: offer.status,
  });

/** Declines (the buyer) or withdraws (the seller) an open offer; 409 once it is answered or expired. */
async function close(deps: IndividualOffersDeps, viewerId: number, id: number, answer: 'declined' | 'withdrawn'): Promise<IndividualOffer> {
  const offer = await asParty(deps, viewerId, id, answer === 'declined' ? 'buyer' : 'seller');
  const now = deps.clock.now();
  const at = now.toISOString();
  const done = await deps.db.sql.begin(async (tx) => {
    const updated = await tx`update individual_offers set status = ${answer}, decided_at = ${at}::timestamptz
      where id = ${id} and status = 'open' and expires_at > ${at}::timestamptz returning id`;
    if (!updated.length) return false;
    const [to, text] =
      answer === 'declined'
        ? [offer.seller.id, `${offer.buyer.login} declined your individual offer #${id} (${formatUsd(offer.priceCents)}).`]
        : [offer.buyer.id, `${offer.seller.login} withdrew the individual offer #${id} (${formatUsd(offer.priceCents)}).`];
    await tx`insert into notifications (user_id, kind, text, dedupe_key, created_at)
      values (${to}, 'individual_offer_answered', ${text}, ${`individual-offer:${id}:${answer}`}, ${at}::timestamptz) on conflict (dedupe_key) do nothing`;
    return true;
  });
  const after = (await byId(deps.db, id, now))!;
  if (!done) throw settled(after);
  await tellWorkflow(deps, id, answer);
  return after;
}

/**
 * The buyer accepts: one order at the offer's terms, through the placement (all its checks: the
 * offer it is based on still takes orders, the buyer's email is confirmed, the balance covers
 * it). Accepting again answers the same order (`replayed`); a declined, withdrawn or expired
 * offer is 409.
 */
export async function acceptIndividualOffer(
  deps: IndividualOffersDeps,
  buyer: Buyer,
  id: number,
  idempotencyKey: string,
): Promise<{ offer: IndividualOffer; order: OrderView; replayed: boolean }> {
  requireConfirmedEmail(buyer);
  const offer = await asParty(deps, buyer.id, id, 'buyer');
  // K-44: an answer to a request is ordered by picking it there (with the request's brief, in its pick).
  if (offer.requestId !== null) throw new AppError('conflict', `the individual offer answers your request #${offer.requestId}: pick it on the request`, { requestId: offer.requestId });
  if (offer.status !== 'open' && offer.status !== 'accepted') throw settled(offer);
  const prefix = `individual-offer:${id}:`;
  const { views, replayed } = await deps.placement.placeAll(
    buyer,
    [
      {
        request: { offerId: offer.basedOnOffer.id, units: 1, optionIds: [], packageTier: null, requirements: null },
        requestKey: `${prefix}order`,
        terms: { priceCents: offer.priceCents, leadTimeDays: offer.leadTimeDays, title: `${offer.basedOnOffer.title} (individual offer #${id})` },
      },
    ],
    {
      request: keyedRequest(idempotencyKey, 'accept_individual_offer', { individualOfferId: id }),
      placedBefore: () => deps.placement.placedWithKeyPrefix(buyer.id, prefix),
      // In the placement's transaction: an offer answered or expired meanwhile places nothing.
      afterPlaced: async (tx) => {
        const at = deps.clock.now().toISOString();
        const updated = await tx`update individual_offers set status = 'accepted', decided_at = ${at}::timestamptz,
            order_id = (select id from orders where buyer_id = ${buyer.id} and request_key = ${`${prefix}order`})
          where id = ${id} and status = 'open' and expires_at > ${at}::timestamptz returning id`;
        if (!updated.length) throw settled((await byId(deps.db, id, deps.clock.now()))!);
      },
    },
  );
  if (!replayed) await tellWorkflow(deps, id, 'accepted');
  return { offer: (await byId(deps.db, id, deps.clock.now()))!, order: views[0]!, replayed };
}

/** The caller's offers: those they sent (as seller) or received (as buyer), newest first. */
async function mine(deps: Deps, userId: number, role: 'sent' | 'received', limit: number): Promise<IndividualOffer[]> {
  const { db } = deps;
  const rows = await selectRows(db, role === 'sent' ? db.sql`i.seller_id = ${userId}` : db.sql`i.buyer_id = ${userId}`, db.sql`order by i.id desc limit ${limit}`);
  const now = deps.clock.now();
  return rows.map((r) => viewOf(r, now));
}

/** The offers made in a conversation the viewer takes part in, oldest first (the thread's cards). */
async function inConversation(deps: Deps, viewerId: number, conversationId: number): Promise<IndividualOffer[]> {
  const { db } = deps;
  const rows = await selectRows(db, db.sql`i.conversation_id = ${conversationId} and (i.buyer_id = ${viewerId} or i.seller_id = ${viewerId})`, db.sql`order by i.id`);
  const now = deps.clock.now();
  return rows.map((r) => viewOf(r, now));
}

/** Whether the user's computed level lets them make individual offers (K-33), and their active offers to base one on. */
async function sellerTools(db: Db, userId: number): Promise<{ canMake: boolean; offers: { id: number; title: string }[] }> {
  const [stats] = await db.sql<{ level: string }[]>`select level from seller_stats where user_id = ${userId}`;
  const canMake = (stats?.level ?? 'newbie') !== 'newbie';
  if (!canMake) return { canMake, offers: [] };
  const offers = await db.sql<{ id: string; title: string }[]>`select id, title from offers where seller_id = ${userId} and status = 'active' order by id`;
  return { canMake, offers: offers.map((o) => ({ id: Number(o.id), title: o.title })) };
}

export function createIndividualOffers(deps: IndividualOffersDeps) {
  return {
    create: (input: NewIndividualOffer) => createIndividualOffer(deps, input),
    view: (viewerId: number, id: number) => view(deps, viewerId, id),
    accept: (buyer: Buyer, id: number, idempotencyKey: string) => acceptIndividualOffer(deps, buyer, id, idempotencyKey),
    decline: (buyerId: number, id: number) => close(deps, buyerId, id, 'declined'),
    withdraw: (sellerId: number, id: number) => close(deps, sellerId, id, 'withdrawn'),
    mine: (userId: number, role: 'sent' | 'received', limit: number) => mine(deps, userId, role, limit),
    inConversation: (viewerId: number, conversationId: number) => inConversation(deps, viewerId, conversationId),
    sellerTools: (userId: number) => sellerTools(deps.db, userId),
  };
}

export type IndividualOffers = ReturnType<typeof createIndividualOffers>;
