/**
 * The daily re-evaluation's numbers (K-35). The 12 purchases in 3 months are the rules'
 * (`workflows/lib/reputation.ts`); here only when the day's run happens. Bump `version` with
 * any change.
 */
import type { BuyerStatusesPolicy } from './messages.js';

export const buyerStatusesRules = {
  version: 1,
  /** 03:00 UTC: a quiet hour; a status lapses at most a day late. */
  hour: 3,
  minute: 0,
} as const;

/** The rules the Schedule and its runs follow. */
export function buyerStatusesPolicy(rules: typeof buyerStatusesRules = buyerStatusesRules): BuyerStatusesPolicy {
  return { version: rules.version, hour: rules.hour, minute: rules.minute };
}
