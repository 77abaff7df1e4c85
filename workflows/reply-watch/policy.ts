/**
 * The reply watch's numbers (K-63). Each watch receives them with its input
 * (`replyWatchPolicy()`), so a running watch keeps the rules it began with when this file
 * changes: bump `version` with any change. Durations are milliseconds.
 */
import { HOUR } from '../lib/time.js';
import type { ReplyWatchPolicy } from './messages.js';

export const replyWatchRules = {
  version: 1,
  /** K-63 (our number): a buyer's message unanswered by the seller for 48 h counts as ignored. */
  replyWithinMs: 48 * HOUR,
} as const;

/** The rules a new watch starts with. */
export function replyWatchPolicy(rules: typeof replyWatchRules = replyWatchRules): ReplyWatchPolicy {
  return { version: rules.version, replyWithinMs: rules.replyWithinMs };
}
