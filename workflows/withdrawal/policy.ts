/**
 * A withdrawal's numbers (K-50, K-52, D-04). Each withdrawal receives them with its input
 * (`withdrawalPolicy()`), so a running one keeps the rules it was requested under when this
 * file changes: bump `version` with any change. Durations are milliseconds.
 */
import { commissionOf, type Cents } from '../lib/money.js';
import { DAY } from '../lib/time.js';
import type { WithdrawalMethod, WithdrawalPolicy } from './messages.js';

export const withdrawalRules = {
  version: 2,
  /**
   * D-04: "card 4.5 % (fee at least $1), PayPal 3 % (fee at least $0.30); minimum withdrawal
   * $10 for card, $1 for PayPal." Rates in basis points: 450 = 4.5 %.
   */
  fees: {
    card: { bps: 450, minFeeCents: 100, minAmountCents: 1_000 },
    paypal: { bps: 300, minFeeCents: 30, minAmountCents: 100 },
  },
  /** The most one withdrawal may take: $10,000 (our limit; K-50 says limits are shown on the balance page). */
  maxAmountCents: 1_000_000,
  /**
   * How long a payout attempt waits for the provider's confirmation (webhook) before we ask the
   * provider ourselves: 3 days, since a card payout settles within 1–2 business days and a
   * weekend may lie between.
   */
  confirmationTimeoutMs: 3 * DAY,
  /** Payout attempts (the same idempotency key each time) before the payout is cancelled at the provider. */
  payoutAttempts: 3,
  /** K-50: batches on Monday, Wednesday and Friday (ISO weekdays) at 12:00 in the platform's zone (D-06). */
  batch: { zone: 'Europe/Warsaw', weekdays: [1, 3, 5], hour: 12, minute: 0 },
} as const;

/** The rules a new withdrawal starts with: passed into `withdrawalWorkflow` and kept for its life. */
export function withdrawalPolicy(rules: typeof withdrawalRules = withdrawalRules): WithdrawalPolicy {
  return {
    version: rules.version,
    fees: {
      card: { ...rules.fees.card },
      paypal: { ...rules.fees.paypal },
    },
    maxAmountCents: rules.maxAmountCents,
    confirmationTimeoutMs: rules.confirmationTimeoutMs,
    payoutAttempts: rules.payoutAttempts,
    batch: { ...rules.batch, weekdays: [...rules.batch.weekdays] },
    partiesDoNotJudge: true,
  };
}

/**
 * D-04's fee on a withdrawal of `amount`: the method's rate, rounded by the one rounding rule of
 * `../lib/money.ts` (`commissionOf`: half a cent rounds up, e.g. 4.5 % of $23.00 = 103.5 → $1.04),
 * and never below the method's minimum fee ($1 card, $0.30 PayPal). The user receives
 * `amount − fee`.
 */
export function feeOf(method: WithdrawalMethod, amount: Cents, policy: WithdrawalPolicy): Cents {
  const { bps, minFeeCents } = policy.fees[method];
  return Math.max(minFeeCents, commissionOf(amount, bps));
}

/** D-04: the smallest withdrawal by `method` ($10 card, $1 PayPal). */
export function minimumOf(method: WithdrawalMethod, policy: WithdrawalPolicy): Cents {
  return policy.fees[method].minAmountCents;
}

/** Why `amount` cannot be withdrawn by `method` (D-04's minimum, our maximum), or null when it can. */
export function amountRefusal(method: WithdrawalMethod, amount: Cents, policy: WithdrawalPolicy): string | null {
  if (!Number.isSafeInteger(amount) || amount <= 0) return 'the amount must be a positive whole number of cents';
  const minimum = minimumOf(method, policy);
  if (amount < minimum) return `the smallest ${method === 'card' ? 'card' : 'PayPal'} withdrawal is ${minimum} cents`;
  if (amount > policy.maxAmountCents) return `the largest withdrawal is ${policy.maxAmountCents} cents`;
  return null;
}
