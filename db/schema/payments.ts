import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const cents = (name: string) => bigint(name, { mode: 'number' });

/**
 * One withdrawal (K-50): the read model of its workflow `withdrawal-<id>`, which writes every
 * change. The amount left the user's main balance when the row was written (ledger
 * `payout:<id>:hold`); `fee + net = amount` (D-04).
 */
export const withdrawals = pgTable(
  'withdrawals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    method: text('method', { enum: ['card', 'paypal'] }).notNull(),
    /** The provider's handle: a saved card's token or the PayPal address (never a card number). */
    destination: text('destination').notNull(),
    /** What the user sees: `Visa •••• 4242` or the PayPal address. */
    destinationLabel: text('destination_label').notNull(),
    amount: cents('amount').notNull(),
    fee: cents('fee').notNull(),
    net: cents('net').notNull(),
    status: text('status', { enum: ['requested', 'held', 'in_batch', 'paid', 'failed', 'cancelled', 'rejected'] }).notNull(),
    /** Why it failed, was held, rejected or cancelled, in words the user reads. */
    statusReason: text('status_reason'),
    /** The batch (K-50) it is expected in, from the calendar when it was requested. */
    expectedBatchAt: ts('expected_batch_at').notNull(),
    /** The batch workflow that took it. */
    batchId: text('batch_id'),
    /** The provider's payout (`po_…` or PayPal payout item id). */
    providerRef: text('provider_ref'),
    requestKey: text('request_key'),
    /**
     * The number of the workflow's last transition written here: a write carries its own, and
     * one older than the row's (a timed-out attempt landing after its retry) changes nothing.
     */
    seq: integer('seq').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    closedAt: ts('closed_at'),
  },
  (t) => [
    check('withdrawals_amounts', sql`${t.amount} > 0 and ${t.fee} >= 0 and ${t.net} > 0 and ${t.fee} + ${t.net} = ${t.amount}`),
    index('withdrawals_user_idx').on(t.userId, t.id),
    index('withdrawals_open_idx').on(t.status, t.expectedBatchAt),
    uniqueIndex('withdrawals_request_key').on(t.userId, t.requestKey),
  ],
);

/** One payout batch (K-50) and its reconciliation: the sums of the withdrawals it paid. */
export const payoutBatches = pgTable('payout_batches', {
  /** The batch workflow's id. */
  id: text('id').primaryKey(),
  scheduledAt: ts('scheduled_at').notNull(),
  status: text('status', { enum: ['running', 'skipped_holiday', 'reconciled'] }).notNull(),
  holiday: text('holiday'),
  taken: integer('taken').notNull().default(0),
  paidCount: integer('paid_count').notNull().default(0),
  failedCount: integer('failed_count').notNull().default(0),
  gross: cents('gross').notNull().default(0),
  fees: cents('fees').notNull().default(0),
  net: cents('net').notNull().default(0),
  createdAt: ts('created_at').notNull().defaultNow(),
  reconciledAt: ts('reconciled_at'),
});

/**
 * Every verified webhook delivery, once per provider event id: the record that makes a
 * duplicate a no-op, and staff's list of what arrived (an event about a payment we do not
 * know is `unmatched`, never dropped).
 */
export const providerEvents = pgTable(
  'provider_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    provider: text('provider', { enum: ['card', 'paypal'] }).notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    subjectKind: text('subject_kind'),
    subjectRef: text('subject_ref'),
    payload: jsonb('payload').notNull(),
    status: text('status', { enum: ['received', 'processed', 'unmatched', 'ignored'] }).notNull(),
    note: text('note'),
    deliveries: integer('deliveries').notNull().default(1),
    receivedAt: ts('received_at').notNull().defaultNow(),
    processedAt: ts('processed_at'),
  },
  (t) => [uniqueIndex('provider_events_once').on(t.provider, t.eventId), index('provider_events_status_idx').on(t.status, t.id)],
);
