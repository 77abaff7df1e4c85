/**
 * A standing's numbers (K-58…K-65). Each standing receives them with its input
 * (`standingPolicy()`), and carries them over continue-as-new, so a running standing keeps the
 * rules its sanctions were given under when this file changes: bump `version` with any change.
 * Durations are milliseconds.
 */
import { DAY } from '../lib/time.js';
import type { StandingPolicy } from './messages.js';

export const standingRules = {
  /** 2: K-63's `ignored_messages` (its ladder, its 30-day repeat window). */
  version: 2,
  /** Our decision: a violation counts as a repeat of the same kind for 180 days. */
  repeatWindowMs: 180 * DAY,
  /** Our cap on doubling (K-65): 3, 6, 12, 24, 48 days, then 48 days again. */
  maxBlockMs: 48 * DAY,
  ladders: {
    /** K-64: an ignored order blocks all offers for 3 days; K-65: each repeat doubles it. */
    ignored_order: [{ sanction: 'offers_block', baseMs: 3 * DAY }],
    /** K-58: a warning first; a repeat blocks the offers for 2 days (then 4, 8…). */
    rudeness: [{ sanction: 'warning' }, { sanction: 'offers_block', baseMs: 2 * DAY }],
    /** K-60: a warning first; a repeat blocks the account (our 7 days, doubling). */
    spam: [{ sanction: 'warning' }, { sanction: 'account_block', baseMs: 7 * DAY }],
    /** K-61: a buyer offering to pay outside is warned first; a repeat blocks the account. */
    off_platform_buyer: [{ sanction: 'warning' }, { sanction: 'account_block', baseMs: 7 * DAY }],
    /** K-61: a seller dealing outside the system has the account blocked at once. */
    off_platform_seller: [{ sanction: 'account_block', baseMs: 7 * DAY }],
    /** K-62: discussing the platform's fees earns a warning, each time. */
    financial_terms: [{ sanction: 'warning' }],
    /** K-65: the administration's discretionary warning. */
    staff_warning: [{ sanction: 'warning' }],
    /**
     * K-63: a buyer's message left unanswered 48 h earns a warning; a repeat (within 30 days,
     * below) blocks all offers like K-64's ignored order: 3 days, doubling with each further repeat.
     */
    ignored_messages: [{ sanction: 'warning' }, { sanction: 'offers_block', baseMs: 3 * DAY }],
  },
  /** K-63: ignored messages repeat within 30 days; every other kind within `repeatWindowMs`. */
  kindRepeatWindowsMs: { ignored_messages: 30 * DAY },
  /** K-65: a discretionary block lasts 1 to 48 days, as staff choose. */
  maxStaffDays: 48,
  /** Continue-as-new well before Temporal's history warnings (10,240 events). */
  maxHistoryEvents: 2_000,
} as const;

/** The rules a new standing starts with; tests pass shorter ones (`overrides`). */
export function standingPolicy(overrides: Partial<StandingPolicy> = {}): StandingPolicy {
  const ladders = Object.fromEntries(Object.entries(standingRules.ladders).map(([kind, steps]) => [kind, steps.map((s) => ({ ...s }))])) as StandingPolicy['ladders'];
  return {
    version: standingRules.version,
    repeatWindowMs: standingRules.repeatWindowMs,
    maxBlockMs: standingRules.maxBlockMs,
    ladders,
    kindRepeatWindowsMs: { ...standingRules.kindRepeatWindowsMs },
    maxStaffDays: standingRules.maxStaffDays,
    maxHistoryEvents: standingRules.maxHistoryEvents,
    ...overrides,
  };
}
