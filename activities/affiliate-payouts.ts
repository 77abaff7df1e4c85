/**
 * The affiliate payout run's activities (W-28…W-30): opening the run (automatic payouts, the due
 * withdrawals), each payout's end with its money, and the PayPal side of a payout — send it, ask
 * about it, cancel it — through the adapter of `payments/` (`Providers`, PayPal only: D-04).
 *
 * The provider calls are regular activities with a bounded retry policy set by the workflow; a
 * refusal (4xx, `ProviderRefusal`) is not retried (`affiliate_payout_refused`).
 */
import { ApplicationFailure } from '@temporalio/common';
import { openAffiliateRunIn, recordAffiliatePayoutEnd, type AffiliatePayoutEnd } from '../db/affiliate-payouts.js';
import type { Db } from '../db/client.js';
import { createLedger } from '../db/ledger.js';
import { ProviderRefusal, type PaymentProvider, type PayoutState, type Providers } from '../payments/provider.js';
import { affiliatePayoutFailure, type AffiliatePayoutOutcome, type DuePayout } from '../workflows/affiliate-payout/messages.js';
import { withClassifiedFailures } from './failures.js';

function paypalOf(providers: Providers | undefined): PaymentProvider {
  const provider = providers?.paypal;
  if (!provider) throw ApplicationFailure.create({ type: affiliatePayoutFailure.noProvider, message: 'the worker has no PayPal payment provider configured', nonRetryable: true });
  return provider;
}

const outcomeOf = (state: PayoutState): AffiliatePayoutOutcome => ({ providerRef: state.providerRef, status: state.status, failureReason: state.failureReason });

/** A provider's refusal as the workflow sees it: `affiliate_payout_refused`, not retried. */
function refusal(err: unknown): unknown {
  if (!(err instanceof ProviderRefusal)) return err;
  return ApplicationFailure.create({ type: affiliatePayoutFailure.refused, message: `${err.message} (${err.code})`, nonRetryable: true, details: [{ status: err.status, code: err.code }] });
}

async function atProvider(call: () => Promise<PayoutState>): Promise<AffiliatePayoutOutcome> {
  try {
    return outcomeOf(await call());
  } catch (err) {
    throw refusal(err);
  }
}

export function createAffiliatePayoutActivities({ db, providers }: { db: Db; providers?: Providers }) {
  const ledger = createLedger(db);
  return {
    openAffiliateRun: withClassifiedFailures((input: { runMonth: string; cutoffAt: string; at: string }) => openAffiliateRunIn(db, input)),
    recordAffiliatePayout: withClassifiedFailures((end: AffiliatePayoutEnd) => recordAffiliatePayoutEnd(db, ledger, end)),
    /** Sends the payout, no fee (D-04); the same idempotency key on every attempt, so PayPal pays it once. */
    sendAffiliatePayout: (payout: DuePayout) =>
      atProvider(() =>
        paypalOf(providers).sendPayout({
          withdrawalId: payout.withdrawalId,
          amountCents: payout.amountCents,
          destination: payout.paypalEmail,
          idempotencyKey: `affiliate-payout-${payout.withdrawalId}`,
          senderItemId: `affiliate-payout-${payout.withdrawalId}`,
        }),
      ),
    affiliatePayoutStatus: (input: { providerRef: string }) => atProvider(() => paypalOf(providers).payout(input.providerRef)),
    /** Cancels a payout still pending; one PayPal will not cancel (no longer pending) is asked what became of it. */
    cancelAffiliatePayout: async (input: { providerRef: string }) => {
      const paypal = paypalOf(providers);
      try {
        return outcomeOf(await paypal.cancelPayout(input.providerRef));
      } catch (err) {
        if (!(err instanceof ProviderRefusal)) throw err;
        return atProvider(() => paypal.payout(input.providerRef));
      }
    },
  };
}

export type AffiliatePayoutActivities = ReturnType<typeof createAffiliatePayoutActivities>;
