/**
 * Offer moderation's numbers (K-40). Each submission's workflow receives them at its start
 * (`moderationPolicy()`), so a running one keeps the rules it began with when this file
 * changes: bump `version` with any change. Durations are milliseconds.
 */
import { DAY, HOUR } from '../lib/time.js';
import type { ModerationPolicy } from './messages.js';

export const moderationRules = {
  version: 3,
  /** K-40: moderation takes up to 3 days; after 24 h waiting, moderators are reminded. */
  reminderMs: 24 * HOUR,
  /** K-40: after 3 days waiting, admins are alerted (nothing is approved automatically). */
  escalationMs: 3 * DAY,
} as const;

/** The rules a new submission's moderation starts with. */
export function moderationPolicy(rules: typeof moderationRules = moderationRules): ModerationPolicy {
  return { version: rules.version, reminderMs: rules.reminderMs, escalationMs: rules.escalationMs, partiesDoNotJudge: true };
}
