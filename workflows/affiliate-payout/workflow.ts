/**
 * `affiliatePayoutWorkflow`: the monthly affiliate payout run (W-28…W-30, D-04, D-06), started
 * by the Temporal Schedule of `scripts/affiliate-payout-schedule.ts` on the 10th. Wiring only;
 * the rules are in `machine.ts`.
 *
 * It opens the run (`openAffiliateRun`: the automatic payouts of W-30 are made, and every
 * withdrawal set up by the cut-off and not paid yet is due), then pays each through the PayPal
 * adapter: sent with an idempotency key from the withdrawal, asked about while PayPal answers
 * `pending` (a bounded number of checks, then cancelled), and its end written with its money
 * (settled, or returned to the wallet). A provider call has bounded attempts: a payout that
 * cannot be sent fails, its money goes back, and the run flags itself for staff.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AffiliatePayoutActivities } from '../../activities/affiliate-payouts.js';
import { idempotentWrites, now, scheduledStartOf } from '../lib/process.js';
import * as machine from './machine.js';
import { affiliatePayoutFailure, viewQuery, type AffiliatePayoutArgs, type AffiliatePayoutOutcome, type AffiliatePayoutView, type DuePayout } from './messages.js';
import { affiliatePayoutPolicy } from './policy.js';
import { detailsOf, searchAttributesOf, searchKey } from './search.js';

/** The database writes are idempotent (by the run month and the withdrawal), so they are retried until the database answers. */
const writeOptions = idempotentWrites('30 seconds');
const { openAffiliateRun, recordAffiliatePayout } = proxyLocalActivities<AffiliatePayoutActivities>(writeOptions);

/** Why a provider call ended the payout: its failure's message, short. */
function reasonOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const type = cause instanceof ApplicationFailure ? cause.type : null;
  const message = cause instanceof Error ? cause.message : String(cause);
  return `${type === affiliatePayoutFailure.refused ? 'refused by PayPal' : 'PayPal could not be reached'}: ${message}`.slice(0, 500);
}

export async function affiliatePayoutWorkflow(args: AffiliatePayoutArgs = {}): Promise<AffiliatePayoutView> {
  const info = workflowInfo();
  const policy = affiliatePayoutPolicy();
  const provider = proxyActivities<AffiliatePayoutActivities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: policy.providerAttempts, nonRetryableErrorTypes: Object.values(affiliatePayoutFailure) },
  });
  let state = machine.initialState(args.scheduledAt ?? scheduledStartOf(info), policy);
  let published: string | null = null;
  const set = (next: machine.AffiliatePayoutState) => {
    state = next;
    const key = searchKey(state);
    if (key !== published) {
      upsertSearchAttributes(searchAttributesOf(state));
      published = key;
    }
    setCurrentDetails(detailsOf(state));
  };
  setHandler(viewQuery, () => machine.viewOf(state));
  set(state);

  const due = await openAffiliateRun({ runMonth: state.runMonth, cutoffAt: state.cutoffAt, at: now() });
  set(machine.opened(state, due, now()));

  /** One payout, from its sending to its recorded end. */
  async function pay(payout: DuePayout): Promise<void> {
    let outcome: AffiliatePayoutOutcome;
    try {
      outcome = await provider.sendAffiliatePayout(payout);
      set(machine.moved(state, payout.withdrawalId, machine.judged(outcome), now()));
      for (let check = 0; outcome.status === 'pending' && check < policy.checks; check++) {
        await sleep(policy.checkIntervalMs);
        outcome = await provider.affiliatePayoutStatus({ providerRef: outcome.providerRef! });
      }
      if (outcome.status === 'pending') outcome = await provider.cancelAffiliatePayout({ providerRef: outcome.providerRef! });
    } catch (err) {
      outcome = { providerRef: null, status: 'failed', failureReason: reasonOf(err) };
    }
    if (outcome.status === 'pending') {
      // PayPal could not cancel it and has not paid it: the money stays held (it may still be
      // paid), and staff decide; the run shows it as failed for them.
      const failureReason = 'still pending at PayPal after every check and a cancel: held for staff';
      await recordAffiliatePayout({ withdrawalId: payout.withdrawalId, status: 'unresolved', providerRef: outcome.providerRef, failureReason, at: now() });
      set(machine.moved(state, payout.withdrawalId, { status: 'failed', failureReason }, now()));
      return;
    }
    const end = machine.judged(outcome);
    await recordAffiliatePayout({ withdrawalId: payout.withdrawalId, status: end.status === 'paid' ? 'paid' : 'failed', providerRef: outcome.providerRef, failureReason: end.failureReason, at: now() });
    set(machine.moved(state, payout.withdrawalId, end, now()));
  }
  await Promise.all(due.map(pay));
  return machine.viewOf(state);
}
