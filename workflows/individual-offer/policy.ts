/**
 * An individual offer's numbers (K-46). Each offer receives them with its input
 * (`individualOfferPolicy()`), so a running offer keeps the rules it was made under when this
 * file changes: bump `version` with any change. Durations are milliseconds.
 */
import { DAY } from '../lib/time.js';
import type { IndividualOfferPolicy } from './messages.js';

export const individualOfferTimings = {
  version: 1,
  /** Our policy: an open offer lapses 7 days after it was made. */
  ttlMs: 7 * DAY,
} as const;

export function individualOfferPolicy(): IndividualOfferPolicy {
  return { version: individualOfferTimings.version, ttlMs: individualOfferTimings.ttlMs };
}
