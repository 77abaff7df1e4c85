/**
 * Service requests (K-44, K-45), the API's side. The buyer's posting writes the request's row
 * and queues the start of `request-<id>` in one transaction, and starts it after the commit
 * (`db/workflow-starts.ts`); from there the workflow owns it — staff's
 * moderation, the sellers' answers, the buyer's pick (each picked answer an order through the
 * normal placement) or close, the expiry 24 h after the approval — and writes every change to
 * the read model (`service_requests`, `request_answers`), which every read here comes from:
 * closed requests have no workflow to ask.
 *
 * Who sees a request: its buyer and staff always; other signed-in users (sellers) while it is
 * active, or once they answered it — seeing their own answer only. Anyone else, like an unknown
 * id, gets 404. The buyer's files (K-69) go with the request: whoever sees it may download them
 * (the same rule, in `./attachments.ts`).
 *
 * A seller answers with one of their offers, or (Advanced and Professional sellers, K-33, K-46)
 * with an individual offer based on one: its row is made here first (`individual_offers`, with
 * the request's id), then the answer names it; the buyer's pick orders it at its terms and
 * accepts it (`placeRequestPicks`), and withdrawing the answer withdraws it.
 */
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { queueStartIn, startQueuedOrLeave } from '../db/workflow-starts.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { budgetBounds, requestPolicy } from '../workflows/request/policy.js';
import type { AnswerStatus, RequestInput, RequestPolicy, RequestStatus } from '../workflows/request/messages.js';
import type { SessionUser } from './account-types.js';
import { assertOwnAttachments, attachmentsOf, type AttachmentInfo } from './attachments.js';
import type { Clock } from './clock.js';
import type { IndividualOffers } from './individual-offers.js';
import { attachmentRules, requestStaff } from './policy.js';
import { publicSeller } from './sellers.js';
import { queuedStart, type WorkflowGateway } from './workflow-gateway.js';

export interface RequestDeps {
  db: Db;
  clock: Clock;
  workflows: Pick<WorkflowGateway, 'request' | 'startQueued'>;
  /** K-46: makes (and withdraws) the individual offers sellers answer with; without it (workflow tests), sellers answer with offers only. */
  individualOffers?: Pick<IndividualOffers, 'create' | 'withdraw'>;
  /** The rules new requests start with; tests shorten them. */
  rules?: RequestPolicy;
}

/** What a buyer posts. */
export interface RequestPost {
  title: string;
  description: string;
  categoryId: number;
  /** Integer cents within `budgetBounds`, or null. */
  budgetCents: number | null;
  /** K-69: the buyer's own uploads, at most `attachmentRules.perRequest`. */
  attachmentIds?: string[];
}

/** A seller's answer: one of their offers, or (K-46) an individual offer based on it. */
export interface AnswerPost {
  offerId: number;
  comment: string | null;
  individualOffer?: { description: string; priceCents: number; leadTimeDays: number } | null;
}

/** A request in lists (the read model). */
export interface RequestSummary {
  id: number;
  buyer: { id: number; login: string };
  category: { id: number; name: string };
  title: string;
  budgetCents: number | null;
  status: RequestStatus;
  statusReason: string | null;
  postedAt: string;
  approvedAt: string | null;
  activeUntil: string | null;
  closedAt: string | null;
  answersCount: number;
}

/** An answer as the request page shows it: the offer, its price, the seller's level and stars. */
export interface RequestAnswerView {
  answerId: number;
  kind: string;
  offerId: number | null;
  offerTitle: string;
  priceCents: number;
  comment: string | null;
  status: AnswerStatus;
  orderId: number | null;
  answeredAt: string;
  seller: ReturnType<typeof publicSeller>;
  /** K-46: the individual offer answered with (kind `individual_offer`), else null. */
  individualOffer: { id: number; description: string; leadTimeDays: number } | null;
}

export type RequestAction = 'pick' | 'close' | 'answer' | 'withdraw_answer' | 'moderate';

export interface RequestDetail extends RequestSummary {
  description: string;
  /** K-69: the buyer's files, in the order attached. */
  attachments: AttachmentInfo[];
  /** The buyer and staff see every answer; a seller, their own. */
  answers: RequestAnswerView[];
  /** What the caller may do now. */
  allowedActions: RequestAction[];
}

type Viewer = Pick<SessionUser, 'id' | 'roles'>;
const STAFF_READERS: readonly string[] = requestStaff;
const MODERATORS = ['moderator', 'admin'];
const isStaff = (viewer: Viewer, roles: readonly string[] = STAFF_READERS) => viewer.roles.some((r) => roles.includes(r));
const iso = (value: string | Date | null): string | null => (value === null ? null : new Date(value).toISOString());

interface SummaryRow {
  id: string;
  buyer_id: string;
  buyer_login: string;
  category_id: number;
  category_name: string;
  title: string;
  description: string;
  budget_cents: string | null;
  status: RequestStatus;
  status_reason: string | null;
  posted_at: string;
  approved_at: string | null;
  active_until: string | null;
  closed_at: string | null;
  answers_count: number;
}

function summaryOf(r: SummaryRow): RequestSummary {
  return {
    id: Number(r.id),
    buyer: { id: Number(r.buyer_id), login: r.buyer_login },
    category: { id: r.category_id, name: r.category_name },
    title: r.title,
    budgetCents: r.budget_cents === null ? null : Number(r.budget_cents),
    status: r.status,
    statusReason: r.status_reason,
    postedAt: iso(r.posted_at)!,
    approvedAt: iso(r.approved_at),
    activeUntil: iso(r.active_until),
    closedAt: iso(r.closed_at),
    answersCount: r.answers_count,
  };
}

type Fragment = postgres.PendingQuery<postgres.Row[]>;

/** The requests matching `where` (a fragment over `r`), newest first. */
function selectRequests(db: Db, where: Fragment, order: Fragment = db.sql`r.id desc`) {
  return db.sql<SummaryRow[]>`
    select r.id, r.buyer_id, u.login as buyer_login, r.category_id, c.name as category_name, r.title, r.description, r.budget_cents, r.status,
      r.status_reason, r.posted_at, r.approved_at, r.active_until, r.closed_at, r.answers_count
    from service_requests r join users u on u.id = r.buyer_id join categories c on c.id = r.category_id
    where ${where} order by ${order} limit 200`;
}


/** A leaf category of the catalog (requests, like offers, go in a subcategory). */
async function checkCategory(db: Db, categoryId: number): Promise<void> {
  const [category] = await db.sql<{ leaf: boolean }[]>`
    select not exists (select 1 from categories k where k.parent_id = c.id) as leaf from categories c where c.id = ${categoryId}`;
  if (!category) throw fieldError('body.categoryId', 'no such category');
  if (!category.leaf) throw fieldError('body.categoryId', 'requests go in a subcategory, not a top category', 'rule_violation');
}

/** K-44: a buyer with a confirmed email posts a request; it waits for a moderator. */
async function post(deps: RequestDeps, buyer: SessionUser, body: RequestPost): Promise<RequestDetail> {
  if (!buyer.emailConfirmed) throw new AppError('email_not_confirmed', 'confirm your email before posting a request');
  const { minCents, maxCents } = budgetBounds;
  if (body.budgetCents !== null && (body.budgetCents < minCents || body.budgetCents > maxCents)) {
    throw fieldError('body.budgetCents', `from ${minCents} to ${maxCents} cents ($10 to $100,000)`, 'rule_violation');
  }
  await checkCategory(deps.db, body.categoryId);
  const attachmentIds = body.attachmentIds ?? [];
  await assertOwnAttachments(deps.db, buyer.id, attachmentIds, attachmentRules.perRequest);
  const postedAt = deps.clock.now();
  const { requestId, start } = await deps.db.sql.begin(async (tx) => {
    const [{ id }] = (await tx`select nextval(pg_get_serial_sequence('service_requests', 'id'))::int8 as id`) as unknown as [{ id: string }];
    const input: RequestInput = {
      requestId: Number(id),
      buyerId: buyer.id,
      categoryId: body.categoryId,
      title: body.title,
      budgetCents: body.budgetCents,
      postedAt: postedAt.toISOString(),
      policy: deps.rules ?? requestPolicy(),
    };
    await tx`
      insert into service_requests (id, buyer_id, category_id, title, description, budget_cents, status, posted_at, updated_at)
      values (${input.requestId}, ${buyer.id}, ${body.categoryId}, ${body.title}, ${body.description}, ${body.budgetCents}, 'awaiting_moderation',
        ${input.postedAt}::timestamptz, ${input.postedAt}::timestamptz)`;
    for (const [position, attachmentId] of attachmentIds.entries()) {
      await tx`insert into request_attachments (request_id, attachment_id, position) values (${input.requestId}, ${attachmentId}, ${position})`;
    }
    const queued = queuedStart('request', input);
    await queueStartIn(tx, queued, postedAt);
    return { requestId: input.requestId, start: queued };
  });
  // No Idempotency-Key makes a retry safe: a start Temporal did not take is left to a worker's
  // sweep (`db/workflow-starts.ts`), and the buyer sees the request waiting for moderation.
  await startQueuedOrLeave(deps.db, deps.workflows.startQueued, [start]);
  return get(deps, buyer, requestId);
}

/** The answers of a request, with their sellers' public standing; only `sellerId`'s when given. */
async function answersOf(db: Db, requestId: number, sellerId: number | null): Promise<RequestAnswerView[]> {
  const rows = await db.sql<
    { answer_id: number; kind: string; offer_id: string | null; individual_offer_id: string | null; io_description: string | null; io_lead_time_days: number | null; offer_title: string; price_cents: string; comment: string | null; status: AnswerStatus; order_id: string | null; answered_at: string; seller_id: string; login: string; display_name: string | null; level: 'newbie' | 'advanced' | 'professional' | null; rating_percent: number | null; feedback_count: number | null; completed_orders: number | null; stars_tenths: number | null; successfully_completed_percent: number | null; on_time_percent: number | null }[]
  >`
    select a.answer_id, a.kind, a.offer_id, a.individual_offer_id, i.description as io_description, i.lead_time_days as io_lead_time_days, a.offer_title, a.price_cents, a.comment, a.status, a.order_id, a.answered_at, a.seller_id,
      u.login, u.display_name, s.level, s.rating_percent, s.feedback_count, s.completed_orders, s.stars_tenths, s.successfully_completed_percent, s.on_time_percent
    from request_answers a join users u on u.id = a.seller_id left join seller_stats s on s.user_id = a.seller_id
      left join individual_offers i on i.id = a.individual_offer_id
    where a.request_id = ${requestId} and (${sellerId}::int8 is null or a.seller_id = ${sellerId}::int8)
    order by a.answer_id`;
  return rows.map((r) => ({
    answerId: r.answer_id,
    kind: r.kind,
    offerId: r.offer_id === null ? null : Number(r.offer_id),
    offerTitle: r.offer_title,
    priceCents: Number(r.price_cents),
    comment: r.comment,
    status: r.status,
    orderId: r.order_id === null ? null : Number(r.order_id),
    answeredAt: iso(r.answered_at)!,
    seller: publicSeller(
      { id: Number(r.seller_id), login: r.login, displayName: r.display_name },
      r.level === null
        ? null
        : { level: r.level, ratingPercent: r.rating_percent, feedbackCount: r.feedback_count ?? 0, completedOrders: r.completed_orders ?? 0, starsTenths: r.stars_tenths, successfullyCompletedPercent: r.successfully_completed_percent, onTimePercent: r.on_time_percent },
    ),
    individualOffer: r.individual_offer_id === null ? null : { id: Number(r.individual_offer_id), description: r.io_description!, leadTimeDays: r.io_lead_time_days! },
  }));
}

/** What `viewer` may do with the request now. */
function actionsOf(summary: RequestSummary, viewer: Viewer, answers: RequestAnswerView[]): RequestAction[] {
  if (summary.buyer.id === viewer.id) {
    if (summary.status === 'active') return answers.some((a) => a.status === 'active') ? ['pick', 'close'] : ['close'];
    return summary.status === 'awaiting_moderation' ? ['close'] : [];
  }
  const actions: RequestAction[] = [];
  if (summary.status === 'awaiting_moderation' && isStaff(viewer, MODERATORS)) actions.push('moderate');
  if (summary.status === 'active') actions.push(answers.some((a) => a.seller.id === viewer.id && a.status === 'active') ? 'withdraw_answer' : 'answer');
  return actions;
}

/** One request as `viewer` may see it (404 when they may not). */
async function get(deps: RequestDeps, viewer: Viewer, requestId: number): Promise<RequestDetail> {
  const [row] = await selectRequests(deps.db, deps.db.sql`r.id = ${requestId}`);
  if (!row) throw new AppError('not_found', 'no such request');
  const summary = summaryOf(row);
  const full = summary.buyer.id === viewer.id || isStaff(viewer);
  const answers = await answersOf(deps.db, requestId, full ? null : viewer.id);
  if (!full && summary.status !== 'active' && answers.length === 0) throw new AppError('not_found', 'no such request');
  const files = await deps.db.sql<{ attachment_id: string }[]>`select attachment_id from request_attachments where request_id = ${requestId} order by position`;
  const attachments = await attachmentsOf(deps.db, files.map((f) => f.attachment_id));
  return { ...summary, description: row.description, attachments, answers, allowedActions: actionsOf(summary, viewer, answers) };
}

/** The request, if `viewer` may act on it as `role` and it is not over: else 404 (not theirs) or 409 (over). */
async function actionable(deps: RequestDeps, viewer: Viewer, requestId: number, role: 'buyer' | 'seller' | 'moderator'): Promise<RequestDetail> {
  const request = await get(deps, viewer, requestId);
  const mine = request.buyer.id === viewer.id;
  if ((role === 'buyer' && !mine) || (role === 'moderator' && !isStaff(viewer, MODERATORS))) throw new AppError('not_found', 'no such request');
  if (request.status !== 'active' && request.status !== 'awaiting_moderation') throw new AppError('conflict', `the request is ${request.status}`, { status: request.status });
  return request;
}

/**
 * A seller answers with one of their own active offers (K-44), or with an individual offer
 * based on it (K-46: only Advanced and Professional sellers, 403 for a Newbie; $10 to $1000,
 * 422 outside). Blocked sellers cannot: a sanction's suspended offers (K-64, K-65) take no
 * orders, so they answer nothing either.
 *
 * The individual offer's row is written first (the answer names it); an answer the workflow
 * then refuses (another answer of the seller's landed meanwhile, the request closed) withdraws
 * it again, silently: its workflow's timer finds it answered and ends without a notice.
 */
async function answer(deps: RequestDeps, seller: SessionUser, requestId: number, body: AnswerPost): Promise<RequestDetail> {
  const request = await actionable(deps, seller, requestId, 'seller');
  const [offer] = await deps.db.sql<{ title: string; price_cents: number; status: string; published: boolean; blocked_until: string | null }[]>`
    select o.title, o.price_cents, o.status, o.published_at is not null as published, coalesce(s.account_blocked_until, s.offers_blocked_until) as blocked_until
    from offers o left join standings s on s.user_id = o.seller_id where o.id = ${body.offerId} and o.seller_id = ${seller.id}`;
  if (!offer || !offer.published) throw fieldError('body.offerId', 'no such offer of yours', 'rule_violation');
  if (offer.status === 'suspended') throw new AppError('conflict', `your offers are blocked${offer.blocked_until ? ` until ${iso(offer.blocked_until)}` : ''}: they answer no requests`, { status: 'suspended' });
  if (offer.status !== 'active') throw new AppError('conflict', `the offer is ${offer.status}: only an active offer answers a request`, { status: offer.status });
  const terms = body.individualOffer ?? null;
  if (!terms) {
    await deps.workflows.request.answer(requestId, { sellerId: seller.id, kind: 'offer', offerId: body.offerId, offerTitle: offer.title, priceCents: offer.price_cents, comment: body.comment });
    return get(deps, seller, requestId);
  }
  if (!deps.individualOffers) throw new Error('this requests service was built without individual offers');
  // Refused before a row is made: the workflow would refuse the answer anyway.
  if (request.buyer.id === seller.id) throw new AppError('rule_violation', 'you cannot answer your own request');
  if (request.answers.some((a) => a.status === 'active')) throw new AppError('conflict', 'you answered this request already: withdraw that answer to answer again');
  const made = await deps.individualOffers.create({ sellerId: seller.id, buyerId: request.buyer.id, basedOnOfferId: body.offerId, ...terms, requestId });
  try {
    await deps.workflows.request.answer(requestId, {
      sellerId: seller.id,
      kind: 'individual_offer',
      offerId: body.offerId,
      individualOfferId: made.id,
      offerTitle: offer.title,
      priceCents: made.priceCents,
      comment: body.comment,
    });
  } catch (err) {
    await deps.db.sql`update individual_offers set status = 'withdrawn', decided_at = ${deps.clock.now().toISOString()}::timestamptz where id = ${made.id} and status = 'open'`;
    throw err;
  }
  return get(deps, seller, requestId);
}

/** Withdraws the seller's answer; an individual offer's answer withdraws the offer too (the buyer is told). */
async function withdrawAnswer(deps: RequestDeps, seller: SessionUser, requestId: number, answerId: number): Promise<RequestDetail> {
  const request = await actionable(deps, seller, requestId, 'seller');
  await deps.workflows.request.withdrawAnswer(requestId, { sellerId: seller.id, answerId });
  const individual = request.answers.find((a) => a.answerId === answerId && a.seller.id === seller.id)?.individualOffer;
  if (individual && deps.individualOffers) {
    await deps.individualOffers.withdraw(seller.id, individual.id).catch((err: unknown) => {
      // Lapsed meanwhile: nothing left to withdraw.
      if (!(err instanceof AppError && err.code === 'conflict')) throw err;
    });
  }
  return get(deps, seller, requestId);
}

export function createRequests(deps: RequestDeps) {
  const { db } = deps;
  return {
    post: (buyer: SessionUser, body: RequestPost) => post(deps, buyer, body),
    get: (viewer: Viewer, requestId: number) => get(deps, viewer, requestId),
    /** The buyer's own requests, newest first. */
    async mine(buyerId: number): Promise<RequestSummary[]> {
      return (await selectRequests(db, db.sql`r.buyer_id = ${buyerId}`)).map(summaryOf);
    },
    /** The sellers' board: active requests (others'), soonest to expire first, of one category if given. */
    async board(viewer: Viewer, categoryId?: number): Promise<RequestSummary[]> {
      const now = deps.clock.now().toISOString();
      const where = db.sql`r.status = 'active' and r.active_until > ${now}::timestamptz and r.buyer_id <> ${viewer.id} and (${categoryId ?? null}::int is null or r.category_id = ${categoryId ?? null}::int)`;
      return (await selectRequests(db, where, db.sql`r.active_until, r.id`)).map(summaryOf);
    },
    /** Staff's queue: requests awaiting moderation, oldest first. */
    async queue(): Promise<RequestSummary[]> {
      return (await selectRequests(db, db.sql`r.status = 'awaiting_moderation'`, db.sql`r.id`)).map(summaryOf);
    },
    /** The caller's active offers, to answer with. */
    async answerableOffers(sellerId: number): Promise<{ id: number; title: string; priceCents: number }[]> {
      const rows = await db.sql<{ id: string; title: string; price_cents: number }[]>`
        select id, title, price_cents from offers where seller_id = ${sellerId} and status = 'active' and published_at is not null order by id`;
      return rows.map((r) => ({ id: Number(r.id), title: r.title, priceCents: r.price_cents }));
    },
    answer: (seller: SessionUser, requestId: number, body: AnswerPost) => answer(deps, seller, requestId, body),
    withdrawAnswer: (seller: SessionUser, requestId: number, answerId: number) => withdrawAnswer(deps, seller, requestId, answerId),
    /** K-44: the buyer picks one or several answers; each becomes an order (`insufficient_funds`: 422 with the missing amount, nothing placed). */
    async pick(buyer: SessionUser, requestId: number, answerIds: number[]): Promise<RequestDetail> {
      await actionable(deps, buyer, requestId, 'buyer');
      await deps.workflows.request.pick(requestId, { buyerId: buyer.id, answerIds });
      return get(deps, buyer, requestId);
    },
    async close(buyer: SessionUser, requestId: number): Promise<RequestDetail> {
      await actionable(deps, buyer, requestId, 'buyer');
      await deps.workflows.request.close(requestId, { buyerId: buyer.id });
      return get(deps, buyer, requestId);
    },
    /** K-44: a moderator approves (active for 24 h from now) or rejects with a reason the buyer reads. */
    async moderate(staff: SessionUser, requestId: number, decision: { decision: 'approve' } | { decision: 'reject'; reason: string }): Promise<RequestDetail> {
      await actionable(deps, staff, requestId, 'moderator');
      await deps.workflows.request.moderate(requestId, { staffId: staff.id, ...decision });
      return get(deps, staff, requestId);
    },
  };
}

export type Requests = ReturnType<typeof createRequests>;
