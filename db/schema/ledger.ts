import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from './users.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const cents = (name: string) => bigint(name, { mode: 'number' });

/**
 * Double-entry accounts, integer cents (USD). `key` names the account by its business:
 * `user:<id>:main`, `user:<id>:bonus`, `user:<id>:affiliate` (the affiliate wallet, W-25), `order:<id>:escrow`, `platform:revenue`,
 * `platform:gateway`, `platform:payouts_pending`, `platform:referral_expense`,
 * `platform:promo_expense`. `balance` is the sum of the account's postings, kept in the same
 * transaction as they are written; users' and escrow balances can never go negative.
 */
export const ledgerAccounts = pgTable(
  'ledger_accounts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    key: text('key').notNull().unique(),
    kind: text('kind', {
      enum: ['main', 'bonus', 'escrow', 'affiliate_wallet', 'revenue', 'gateway', 'payouts_pending', 'referral_expense', 'promo_expense'],
    }).notNull(),
    /** The user who owns a main/bonus account, or the buyer whose money an escrow holds. */
    userId: bigint('user_id', { mode: 'number' }).references(() => users.id),
    /** The order an escrow account belongs to. */
    orderId: text('order_id'),
    balance: cents('balance').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    check('ledger_accounts_no_negative_user_money', sql`${t.kind} not in ('main', 'bonus', 'escrow', 'affiliate_wallet') or ${t.balance} >= 0`),
    index('ledger_accounts_user_idx').on(t.userId),
  ],
);

/** One business event that moves money; its postings sum to exactly zero. */
export const ledgerTransactions = pgTable('ledger_transactions', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** From the business event (`topup:<id>`, `order:<id>:hold`…): posting it twice moves nothing. */
  idempotencyKey: text('idempotency_key').notNull().unique(),
  kind: text('kind').notNull(),
  description: text('description').notNull(),
  metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const ledgerPostings = pgTable(
  'ledger_postings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    transactionId: bigint('transaction_id', { mode: 'number' }).notNull().references(() => ledgerTransactions.id),
    accountId: bigint('account_id', { mode: 'number' }).notNull().references(() => ledgerAccounts.id),
    /** Signed cents: positive adds to the account, negative takes from it. */
    amount: cents('amount').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    check('ledger_postings_nonzero', sql`${t.amount} <> 0`),
    index('ledger_postings_account_idx').on(t.accountId, t.id),
    index('ledger_postings_transaction_idx').on(t.transactionId),
  ],
);

/** A payment into a user's main balance through the gateway. */
export const topUps = pgTable(
  'top_ups',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    amount: cents('amount').notNull(),
    method: text('method', { enum: ['card', 'paypal'] }).notNull(),
    /** `cancelled`: ended without payment (the payer or the user cancelled, or it expired: `decline_reason`). */
    status: text('status', { enum: ['pending', 'approved', 'declined', 'cancelled'] }).notNull(),
    /**
     * The provider's reference for the payment (PaymentIntent `pi_…` or PayPal order id); null
     * only between the row's insert and the provider's answer, in one transaction.
     */
    gatewayRef: text('gateway_ref'),
    /** The provider's hosted page where the payer pays (K-47): our API never sees a card number. */
    checkoutUrl: text('checkout_url'),
    /** K-48: staff refunded this top-up to the card that paid it (an early withdrawal). */
    refundedAt: ts('refunded_at'),
    refundRef: text('refund_ref'),
    /** Card: last four digits and a fingerprint (SHA-256 of the number), never the number itself. */
    cardLast4: text('card_last4'),
    cardFingerprint: text('card_fingerprint'),
    paypalAccount: text('paypal_account'),
    declineReason: text('decline_reason'),
    /** The client's Idempotency-Key header: a retry returns the same top-up. */
    requestKey: text('request_key'),
    createdAt: ts('created_at').notNull().defaultNow(),
    decidedAt: ts('decided_at'),
  },
  (t) => [
    check('top_ups_amount_positive', sql`${t.amount} > 0`),
    index('top_ups_user_idx').on(t.userId, t.id),
    uniqueIndex('top_ups_request_key').on(t.userId, t.requestKey),
  ],
);

/** Card money is withdrawable only from `releasesAt` (a month after the top-up). */
export const cardLots = pgTable(
  'card_lots',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    topUpId: bigint('top_up_id', { mode: 'number' }).notNull().unique().references(() => topUps.id),
    amount: cents('amount').notNull(),
    cardFingerprint: text('card_fingerprint').notNull(),
    releasesAt: ts('releases_at').notNull(),
    /** A refunded top-up's money has left: its lot holds nothing. */
    refundedAt: ts('refunded_at'),
  },
  (t) => [index('card_lots_user_idx').on(t.userId, t.releasesAt)],
);

export const promoCodes = pgTable(
  'promo_codes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    code: text('code').notNull(),
    amount: cents('amount').notNull(),
    expiresAt: ts('expires_at').notNull(),
    maxRedemptions: integer('max_redemptions').notNull(),
    redemptions: integer('redemptions').notNull().default(0),
    createdBy: bigint('created_by', { mode: 'number' }).notNull().references(() => users.id),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('promo_codes_code_lower_key').on(sql`lower(${t.code})`),
    check('promo_codes_amount_positive', sql`${t.amount} > 0`),
    check('promo_codes_redemptions_within_max', sql`${t.redemptions} between 0 and ${t.maxRedemptions}`),
  ],
);

export const promoRedemptions = pgTable(
  'promo_redemptions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    promoCodeId: bigint('promo_code_id', { mode: 'number' }).notNull().references(() => promoCodes.id),
    userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('promo_redemptions_once_per_user').on(t.promoCodeId, t.userId)],
);
