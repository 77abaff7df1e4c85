/**
 * Disputes and arbitration (K-15, K-23; our rules, D-05): a party opens a dispute with a
 * statement; the other party answers within an answer period, or the case goes to arbitration
 * without their statement; an arbiter takes the case and decides within a number of business
 * days of it being ready, else admins are alerted (the case stays open: a person decides).
 * A decision refunds the buyer, pays the seller, splits the money, or returns the work.
 */
import { addBusinessDays, msOf } from '../time.js';
import { otherParty, type Party } from './parties.js';

export interface Dispute {
  openedBy: Party;
  statement: string;
  openedAt: string;
  answer: string | null;
  answeredAt: string | null;
  /** When the case became ready for an arbiter: answered, or the answer period lapsed. */
  readyAt: string | null;
  arbiterId: number | null;
  takenAt: string | null;
  /** Admins were alerted: no decision within the business days. */
  overdueAlertedAt: string | null;
}

/** How an arbiter ends a dispute. Every decision is final and moves money once (except a return to work, which moves none). */
export type ArbitrationDecision =
  | { kind: 'refund_buyer' }
  | { kind: 'pay_seller' }
  /** `sellerAmountCents` of the total to the seller (less commission), the rest refunded. */
  | { kind: 'split'; sellerAmountCents: number }
  | { kind: 'return_to_work'; days: number };

export interface DisputeRules {
  /** The other party's answer period. */
  disputeAnswerMs: number;
  /** The arbiter decides within this many business days of the case being ready. */
  arbitrationBusinessDays: number;
}

export function openDispute(by: Party, statement: string, now: string): Dispute {
  return { openedBy: by, statement, openedAt: now, answer: null, answeredAt: null, readyAt: null, arbiterId: null, takenAt: null, overdueAlertedAt: null };
}

/** The other party's statement: the case is ready for an arbiter. */
export const answered = (d: Dispute, statement: string, now: string): Dispute => ({ ...d, answer: statement, answeredAt: now, readyAt: now });
/** The answer period lapsed: the case is ready without the other party's statement. */
export const readyUnanswered = (d: Dispute, now: string): Dispute => ({ ...d, readyAt: now });
export const taken = (d: Dispute, arbiterId: number, now: string): Dispute => ({ ...d, arbiterId, takenAt: now });
export const overdueAlerted = (d: Dispute, now: string): Dispute => ({ ...d, overdueAlertedAt: now });

/** Who answers the dispute: the other party. */
export const respondent = (d: Dispute): Party => otherParty(d.openedBy);

/** The dispute's pending deadline: the other party's answer, then the arbiter's decision (until admins are alerted). */
export function disputeDeadline(d: Dispute, rules: DisputeRules): { kind: 'dispute_answer'; at: number; party: Party } | { kind: 'arbitration_decision'; at: number } | null {
  if (d.readyAt === null) return { kind: 'dispute_answer', at: msOf(d.openedAt) + rules.disputeAnswerMs, party: respondent(d) };
  if (d.overdueAlertedAt === null) return { kind: 'arbitration_decision', at: msOf(addBusinessDays(d.readyAt, rules.arbitrationBusinessDays)) };
  return null;
}

/** Why this arbiter may not decide now, or null: the case must be taken, by them (or an admin), and ready. */
export function decisionRefusal(d: Dispute, arbiter: { userId: number; isAdmin: boolean }): string | null {
  if (d.arbiterId === null) return 'take the case first';
  if (d.arbiterId !== arbiter.userId && !arbiter.isAdmin) return 'another arbiter has the case';
  return d.readyAt === null ? 'the other party may still answer' : null;
}

/** Why a decision's terms are malformed, or null: a split leaves each side something, a return to work gives 1 to `maxDays` days. */
export function decisionTermsRefusal(decision: ArbitrationDecision | undefined, totalCents: number, maxDays: number): string | null {
  switch (decision?.kind) {
    case 'refund_buyer':
    case 'pay_seller':
      return null;
    case 'split':
      return Number.isSafeInteger(decision.sellerAmountCents) && decision.sellerAmountCents > 0 && decision.sellerAmountCents < totalCents
        ? null
        : `decision.sellerAmountCents: 1 to ${totalCents - 1} (the rest is refunded)`;
    case 'return_to_work':
      return Number.isInteger(decision.days) && decision.days >= 1 && decision.days <= maxDays ? null : `decision.days: 1 to ${maxDays}`;
    default:
      return 'decision.kind: refund_buyer, pay_seller, split or return_to_work';
  }
}
