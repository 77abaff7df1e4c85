/**
 * The order workflow's activities: whether a placement committed, and writing one
 * transition's effects (money, the read-model row, notifications, a seller violation) —
 * idempotently, since a local activity is retried until the database answers.
 */
import { Context } from '@temporalio/activity';
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { createLedger, type EscrowEnd } from '../db/ledger.js';
import { placementLock } from '../db/locks.js';
import { recomputeBuyerStatus, recomputeSellerReputation } from '../db/reputation.js';
import { enqueueMailIn } from '../db/outbox.js';
import { postReferralCommissionsIn, referralCommissionsDueIn } from '../db/referrals.js';
import type * as machine from '../workflows/order/machine.js';
import type { OrderView } from '../workflows/order/messages.js';
import { ignoredOrderViolationId, standingWorkflowType, standingWorkflowId, violationSignal, type StandingPolicy, type ViolationReport } from '../workflows/standing/messages.js';
import { standingPolicy } from '../workflows/standing/policy.js';
import { startSearchAttributes, summaryOf } from '../workflows/standing/search.js';
import type { standingWorkflow } from '../workflows/standing/workflow.js';
import { withClassifiedFailures } from './failures.js';
import { ordersClosed } from '../telemetry/metrics.js';

/** What a workflow transition asks `recordOrderEvent` to write. */
export interface OrderEventRecord {
  orderId: number;
  buyerId: number;
  sellerId: number;
  commissionBps: number;
  effects: machine.Effects;
  /** The order's view after the transition (no viewer's allowed actions). */
  view: OrderView;
}


type Ledger = ReturnType<typeof createLedger>;
type Recipient = { userId: number; email: string | null; notice: machine.Notice };

/**
 * The escrow's end the transition decided, if any, as the ledger names it; `revenuePayees`: the
 * referrers the same transaction pays a commission to (their accounts are locked with the escrow's).
 */
function escrowEndOf(record: OrderEventRecord, revenuePayees: number[]): EscrowEnd | null {
  const money = record.effects.money;
  if (!money) return null;
  const { orderId, sellerId, commissionBps } = record;
  if (money.op === 'split') return { op: 'split', orderId, sellerId, sellerAmount: money.sellerAmountCents, commissionBps, revenuePayees };
  return money.op === 'release' ? { op: 'release', orderId, sellerId, commissionBps, revenuePayees } : { op: 'refund', orderId };
}

/** Who each notice reaches: a party, or every active holder of a staff role, who is emailed too. */
async function recipientsOf(db: Db, record: OrderEventRecord): Promise<Recipient[]> {
  const recipients: Recipient[] = [];
  for (const notice of record.effects.notices) {
    if (notice.to === 'buyer' || notice.to === 'seller') {
      recipients.push({ userId: notice.to === 'buyer' ? record.buyerId : record.sellerId, email: null, notice });
      continue;
    }
    const role = notice.to === 'arbiters' ? 'arbiter' : 'admin';
    const staff = await db.sql<{ id: string; email: string }[]>`select id, email from users where ${role} = any(roles) and blocked_at is null`;
    for (const user of staff) recipients.push({ userId: Number(user.id), email: user.email, notice });
  }
  return recipients;
}

/**
 * One prepared statement (this runs on every transition), atomic on its own: the row,
 * guarded by the event number, and what it brings — the notifications, a seller violation,
 * the delivered files' links (K-69: who may download them).
 * Answers the row's id, or nothing when an earlier attempt wrote it.
 */
function writeRow(sql: postgres.Sql | postgres.TransactionSql, record: OrderEventRecord, recipients: Recipient[]) {
  const { view, effects } = record;
  // Timestamps go as ISO strings: drizzle, sharing this postgres.js client, turns off its Date serializer.
  const at = view.timeline[view.timeline.length - 1]!.at;
  const next = view.nextDeadline;
  // K-69: every delivery's files (written again on each write, `on conflict do nothing`: a
  // retry or a later transition adds nothing twice); only the seller's own uploads count.
  const deliveredFiles = [...new Set(view.deliveries.flatMap((d) => d.attachmentIds ?? []))];
  return sql`
    with updated as (
      update orders set
        status = ${view.status},
        next_deadline_at = ${next?.at ?? null},
        next_deadline_outcome = ${next?.outcome ?? null},
        waiting_on = ${next?.party ?? null},
        closure = ${view.closure ? JSON.stringify(view.closure) : null}::jsonb,
        view = ${JSON.stringify(view)}::jsonb,
        seq = ${effects.seq},
        updated_at = ${at},
        closed_at = ${view.closure?.at ?? null}
      where id = ${record.orderId} and seq < ${effects.seq}
      returning id
    ), noticed as (
      insert into notifications (user_id, order_id, kind, text, dedupe_key, created_at)
      select n.user_id, ${record.orderId}::int8, n.kind, n.text, ${`order:${record.orderId}:${effects.seq}:`}::text || n.user_id, ${at}::timestamptz
      from unnest(
        ${recipients.map((r) => r.userId)}::int8[],
        ${recipients.map((r) => r.notice.kind)}::text[],
        ${recipients.map((r) => r.notice.text)}::text[]
      ) as n(user_id, kind, text)
      where exists (select 1 from updated)
      on conflict do nothing
    ), violated as (
      insert into seller_violations (seller_id, order_id, kind, created_at)
      select ${record.sellerId}::int8, ${record.orderId}::int8, ${effects.violation ?? null}::text, ${at}::timestamptz
      where ${effects.violation ?? null}::text is not null and exists (select 1 from updated)
      on conflict do nothing
    ), filed as (
      insert into delivery_attachments (order_id, attachment_id)
      select ${record.orderId}::int8, a.id from attachments a
      where a.id = any(${deliveredFiles}::text[]) and a.owner_id = ${record.sellerId} and exists (select 1 from updated)
      on conflict do nothing
    )
    select id from updated`;
}

/**
 * Writes one transition, all or nothing: the order's row, the parties' notifications, a
 * seller violation — and, when it moves money, the escrow's end (idempotent on the ledger's
 * keys), staff notices with their emails and, for a closing transition, the seller's
 * reputation, a completed order's buyer status (issue 16: in the transaction of the write that
 * changed them) and its referral commissions (K-54), in one transaction with the row. The
 * row's event number makes a retry after a commit write nothing twice. A write that cannot
 * succeed fails without a trace, so the workflow can keep its state as the database has it.
 */
async function recordOrderEvent(db: Db, ledger: Ledger, record: OrderEventRecord): Promise<void> {
  const recipients = await recipientsOf(db, record);
  const mails = recipients.flatMap(({ email, notice }) => (email === null ? [] : [{ to: email, notice }]));
  if (mails.length === 0 && !record.effects.money && !record.view.closure) {
    // Most transitions: one statement, atomic on its own.
    await writeRow(db.sql, record, recipients);
    return;
  }
  const written = await db.sql.begin(async (tx) => {
    const closure = record.view.closure;
    const closed = { orderId: record.orderId, buyerId: record.buyerId, sellerId: record.sellerId, closure };
    // K-54: read before the settlement, which locks the referrers' accounts with the escrow's.
    const commissions = await referralCommissionsDueIn(tx, closed);
    if ((await writeRow(tx, record, recipients)).length === 0) return false; // written by an earlier attempt
    if (closure) {
      await recomputeSellerReputation(tx, record.sellerId, closure.at, { kind: 'order', orderId: record.orderId, seq: record.effects.seq });
      if (closure.kind === 'completed') await recomputeBuyerStatus(tx, record.buyerId, closure.at);
    }
    // The money last: the settlement locks the platform's revenue account, which every
    // completion shares, so it is held for the few statements from here to the commit — not
    // across the reputation's recompute above, which reads every closed order of the seller and
    // waits for the seller's row (test/integration/closing-lock-order.test.ts).
    const end = escrowEndOf(record, commissions.map((c) => c.referrerId));
    if (end) await ledger.settleIn(tx, end);
    await postReferralCommissionsIn(tx, closed, commissions);
    for (const { to, notice } of mails) {
      await enqueueMailIn(tx, { kind: `order_${notice.kind}`, to, subject: `Order ${record.orderId}: ${notice.kind.replaceAll('_', ' ')}`, body: notice.text });
    }
    return true;
  });
  // Issue 19 §4: a closing transition is counted once, after its commit (a retry writes nothing).
  const closure = record.view.closure;
  if (written && closure) ordersClosed.inc({ kind: closure.kind, reason: closure.reason });
}

/**
 * Waits for the placement's transaction to end, then says whether it committed the order. Run
 * only by a workflow a placement started inside its transaction, before issue 19 §3 (its input
 * without `committedBeforeStart`); placements since commit first.
 */
async function loadOrder(db: Db, input: { orderId: number }): Promise<{ exists: boolean }> {
  // Two statements, no transaction: the first waits for the placement's lock and lets go
  // at its own end; the second, with a snapshot taken after, sees the placement's outcome.
  await placementLock(db.sql, input.orderId, true);
  const [row] = await db.sql`select 1 from orders where id = ${input.orderId}`;
  return { exists: row !== undefined };
}

/**
 * K-64: an ignored order is the seller's violation, so their standing (`standing-<sellerId>`)
 * hears of it — by signal-with-start, which starts it if none runs — after the order's write.
 * Sent on every attempt that reaches here, a retry after the commit included: the standing
 * counts the violation id once. Uses the worker's own client, on its namespace and task queue.
 */
async function reportViolation(record: OrderEventRecord, policy: StandingPolicy): Promise<void> {
  if (record.effects.violation !== 'ignored_order') return;
  const { sellerId, orderId } = record;
  const { client, info } = Context.current();
  await client.workflow.signalWithStart<typeof standingWorkflow, [ViolationReport]>(standingWorkflowType, {
    workflowId: standingWorkflowId(sellerId),
    taskQueue: info.taskQueue,
    args: [{ userId: sellerId, policy }],
    signal: violationSignal,
    signalArgs: [{ violationId: ignoredOrderViolationId(orderId), kind: 'ignored_order', reason: `order #${orderId} was not started within 24 hours`, orderId }],
    typedSearchAttributes: startSearchAttributes(sellerId),
    staticSummary: summaryOf(sellerId),
  });
}

/** How an order's write tells the seller's standing of a violation (K-64). */
export type ViolationReporter = (record: OrderEventRecord) => Promise<void>;

/** The worker's: signal-with-start through the activity's own client, under `policy` for a standing it starts. */
export function standingReporter(policy: StandingPolicy = standingPolicy()): ViolationReporter {
  return (record) => reportViolation(record, policy);
}

/**
 * The workflow's activities: whether a placement committed, and writing a transition's effects
 * (then telling the seller's standing of a violation). `standing`: the rules a standing this
 * starts runs under (tests shorten them). `report`: how the standing is told — the worker's
 * client by default; a test that calls these writes outside a worker gives its own.
 */
export function createOrderActivities({ db, standing = standingPolicy(), report = standingReporter(standing) }: { db: Db; standing?: StandingPolicy; report?: ViolationReporter }) {
  const ledger = createLedger(db);
  return {
    loadOrder: withClassifiedFailures((input: { orderId: number }) => loadOrder(db, input)),
    recordOrderEvent: withClassifiedFailures(async (record: OrderEventRecord) => {
      await recordOrderEvent(db, ledger, record);
      await report(record);
    }),
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
