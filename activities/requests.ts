/**
 * The service request workflow's activities (K-44, K-45): whether the posting committed,
 * writing one transition — the request's row, its answers, the notices and, when it goes
 * live, the `new_request` notice to each seller subscribed to its category — idempotently,
 * and placing a pick's orders.
 *
 * The orders are placed by the API's own placement (escrow hold, the seller told, the order's
 * workflow started), which activities may not import: the worker hands it in (`PickPlacer`,
 * built in worker.ts), and this activity gives it the worker's Temporal client.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.js';
import { requestPostingLock } from '../db/locks.js';
import { AppError } from '../workflows/lib/errors.js';
import type * as machine from '../workflows/request/machine.js';
import type { Answer, PickedOrders, PickOrders, RequestStatus } from '../workflows/request/messages.js';
import { withClassifiedFailures } from './failures.js';

/** What a request transition asks `recordRequestEvent` to write: the request as the transition leaves it, and its effects. */
export interface RequestEventRecord {
  requestId: number;
  buyerId: number;
  categoryId: number;
  title: string;
  status: Exclude<RequestStatus, 'voided'>;
  statusReason: string | null;
  approvedAt: string | null;
  activeUntil: string | null;
  closedAt: string | null;
  answers: Answer[];
  /** ISO, workflow time: the row's `updated_at` and the notices' time. */
  at: string;
  effects: machine.Effects;
}

/** Places a pick's orders through the normal placement, on the worker's client and task queue. */
export type PickPlacer = (temporal: Client, taskQueue: string, pick: PickOrders) => Promise<PickedOrders>;

/** Waits for the posting's transaction to end, then says whether it committed the request. */
async function loadRequest(db: Db, input: { requestId: number }): Promise<{ exists: boolean }> {
  await db.sql.begin(async (tx) => requestPostingLock(tx, input.requestId, true));
  const [row] = await db.sql`select 1 from service_requests where id = ${input.requestId}`;
  return { exists: row !== undefined };
}

/**
 * Writes one transition in one transaction, only when it is newer than the row (`seq`), so a
 * retry or a late write changes nothing twice: the row, every answer as the state has it
 * (an upsert: few rows), the notices (keyed by request and write number), and — the request
 * going live — a `new_request` notice to every seller subscribed to its category (K-45), the
 * buyer left out; the 0017 triggers route each in-app or by email as its user chose.
 */
async function recordRequestEvent(db: Db, record: RequestEventRecord): Promise<void> {
  const { requestId, effects, at } = record;
  await db.sql.begin(async (tx) => {
    // Timestamps go as ISO strings: drizzle, sharing this postgres.js client, turns off its Date serializer.
    const updated = await tx`
      update service_requests set status = ${record.status}, status_reason = ${record.statusReason}, approved_at = ${record.approvedAt}::timestamptz,
        active_until = ${record.activeUntil}::timestamptz, closed_at = ${record.closedAt}::timestamptz, answers_count = ${record.answers.length},
        seq = ${effects.seq}, updated_at = ${at}::timestamptz
      where id = ${requestId} and seq < ${effects.seq}
      returning id`;
    if (updated.length === 0) return; // an earlier attempt, or a newer write, was here first
    for (const a of record.answers) {
      await tx`
        insert into request_answers (request_id, answer_id, kind, seller_id, offer_id, individual_offer_id, offer_title, price_cents, comment, status, order_id, answered_at)
        values (${requestId}, ${a.answerId}, ${a.kind}, ${a.sellerId}, ${a.offerId}, ${a.individualOfferId ?? null}, ${a.offerTitle}, ${a.priceCents}, ${a.comment}, ${a.status}, ${a.orderId}, ${a.answeredAt}::timestamptz)
        on conflict (request_id, answer_id) do update set status = excluded.status, order_id = excluded.order_id`;
    }
    for (const n of effects.notices) {
      await tx`
        insert into notifications (user_id, kind, text, dedupe_key, created_at)
        values (${n.userId}, ${n.kind}, ${n.text}, ${`request:${requestId}:${effects.seq}:${n.userId}`}, ${at}::timestamptz)
        on conflict (dedupe_key) do nothing`;
    }
    if (effects.announce) {
      const text = `A new request in your category: “${record.title}”, open until ${record.activeUntil}. Answer it with one of your offers.`;
      await tx`
        insert into notifications (user_id, kind, text, dedupe_key, created_at)
        select s.user_id, 'new_request', ${text}, ${`request:${requestId}:live:`} || s.user_id, ${at}::timestamptz
        from seller_request_categories s join users u on u.id = s.user_id
        where s.category_id = ${record.categoryId} and s.user_id <> ${record.buyerId} and u.blocked_at is null
        on conflict (dedupe_key) do nothing`;
    }
  });
}

/**
 * A placement's refusal as the workflow sees it: its catalogued code, not retried (money
 * short: `insufficient_funds` with the missing amount, for the add-funds prompt). Anything
 * else — a lost connection — is retried: the pick's keys place each order once.
 */
function refusal(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  // Benign: the buyer's answer, not the worker's trouble (logged at debug level, no failure metric).
  return ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: true, details: err.details ? [err.details] : [], category: ApplicationFailureCategory.BENIGN });
}

/** The request workflow's activities; `placePicks` comes from the worker (see the file's comment). */
export function createRequestActivities({ db, placePicks }: { db: Db; placePicks?: PickPlacer }) {
  return {
    loadRequest: withClassifiedFailures((input: { requestId: number }) => loadRequest(db, input)),
    recordRequestEvent: withClassifiedFailures((record: RequestEventRecord) => recordRequestEvent(db, record)),
    async placeRequestOrders(pick: PickOrders): Promise<PickedOrders> {
      if (!placePicks) throw ApplicationFailure.create({ type: 'bug', message: 'this worker was built without a pick placer', nonRetryable: true });
      const { client, info } = Context.current();
      try {
        return await placePicks(client, info.taskQueue, pick);
      } catch (err) {
        throw refusal(err);
      }
    },
  };
}

export type RequestActivities = ReturnType<typeof createRequestActivities>;
