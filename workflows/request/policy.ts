/**
 * A service request's numbers (K-44). Each request receives them with its input
 * (`requestPolicy()`), so a running request keeps the rules it was posted under when this file
 * changes: bump `version` with any change. Durations are milliseconds.
 */
import { HOUR } from '../lib/time.js';
import type { RequestPolicy } from './messages.js';

export const requestRules = {
  version: 2,
  /** K-44: a request is active for 24 h, counted from the moderator's approval. */
  activeMs: 24 * HOUR,
  /** Our bound: a request's page stays readable, and its history small. */
  maxAnswers: 50,
  /** Our bound on one pick (K-44: "one or several executors"). */
  maxPicks: 10,
  maxCommentChars: 1_000,
} as const;

/** Our bounds on a request's budget: $10 (the smallest kwork) to $100,000, integer cents. */
export const budgetBounds = { minCents: 1_000, maxCents: 10_000_000 } as const;

/** The rules a new request starts with; tests pass shorter ones (`overrides`). */
export function requestPolicy(overrides: Partial<RequestPolicy> = {}): RequestPolicy {
  return { version: requestRules.version, activeMs: requestRules.activeMs, maxAnswers: requestRules.maxAnswers, maxPicks: requestRules.maxPicks, maxCommentChars: requestRules.maxCommentChars, partiesDoNotJudge: true, ...overrides };
}
