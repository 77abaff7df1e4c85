/**
 * A payout batch's numbers. A Schedule starts every batch with the same fixed arguments, so the
 * batch reads these when it starts rather than from its input; bump `version` with any change.
 */
import { withdrawalRules } from '../withdrawal/policy.js';
import type { PayoutBatchPolicy } from './messages.js';

export const payoutBatchRules = {
  version: 1,
  /**
   * A withdrawal ends at the latest after `payoutAttempts` confirmation timeouts (then it
   * cancels the payout at the provider): one timeout more covers the batch's own hand-over and
   * the provider's last answers. 4 × 3 days.
   */
  reportsTimeoutMs: (withdrawalRules.payoutAttempts + 1) * withdrawalRules.confirmationTimeoutMs,
} as const;

/** The rules a batch runs under. */
export function payoutBatchPolicy(rules: typeof payoutBatchRules = payoutBatchRules): PayoutBatchPolicy {
  return { version: rules.version, reportsTimeoutMs: rules.reportsTimeoutMs };
}
