/**
 * The affiliate payout run's numbers. A Schedule starts every run with the same fixed arguments,
 * so the run reads these when it starts rather than from its input; bump `version` with any change.
 * The programme's money rules (W-28, D-04: PayPal only, minimum $1, no fee) are `affiliatePayoutRules`.
 */
import type { AffiliatePayoutPolicy } from './messages.js';

export const affiliatePayoutRules = {
  version: 1,
  /** W-28, D-04: the smallest withdrawal from an affiliate wallet, $1. */
  minimumCents: 100,
  /** D-04: affiliate payouts carry no fee. */
  feeCents: 0,
  /** W-29: the run's day of the month and its time, in `zone`. */
  run: { day: 10, hour: 10, minute: 0, zone: 'Europe/Warsaw' },
  providerAttempts: 6,
  checkIntervalMs: 6 * 60 * 60 * 1000,
  /** 12 × 6 h: three days for PayPal to pay, as the Kwork withdrawals wait (K-50). */
  checks: 12,
} as const;

/** The rules a run runs under. */
export function affiliatePayoutPolicy(rules: typeof affiliatePayoutRules = affiliatePayoutRules): AffiliatePayoutPolicy {
  return { version: rules.version, providerAttempts: rules.providerAttempts, checkIntervalMs: rules.checkIntervalMs, checks: rules.checks };
}
