import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/client.js';
import { createLedger, InsufficientFundsError, type LedgerResult } from '../db/ledger.js';
import type { ErrorCode } from '../workflows/lib/errors.js';

/**
 * The ledger's money-moving operations as Temporal activities (same names). Failures a retry
 * cannot cure become non-retryable `ApplicationFailure`s whose `type` is a code of the shared
 * catalogue: `insufficient_funds` (details: `[{ required, available, missing }]`) and
 * `invalid_input` for a `RangeError` (a caller bug). Anything else (a lost connection) is
 * retried by Temporal, which is safe because every operation is idempotent on its key.
 */
export function createLedgerActivities({ db }: { db: Db }) {
  const ledger = createLedger(db);
  const activity =
    <I>(operation: (input: I) => Promise<LedgerResult>) =>
    async (input: I): Promise<LedgerResult> => {
      try {
        return await operation(input);
      } catch (err) {
        if (err instanceof InsufficientFundsError) {
          throw ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: true, details: [err.details] });
        }
        if (err instanceof RangeError) {
          throw ApplicationFailure.create({ type: 'invalid_input' satisfies ErrorCode, message: err.message, nonRetryable: true });
        }
        throw err;
      }
    };
  return {
    topUp: activity(ledger.topUp),
    redeemPromo: activity(ledger.redeemPromo),
    hold: activity(ledger.hold),
    release: activity(ledger.release),
    refund: activity(ledger.refund),
    split: activity(ledger.split),
    payoutHold: activity(ledger.payoutHold),
    payoutSettle: activity(ledger.payoutSettle),
    payoutRevert: activity(ledger.payoutRevert),
  };
}
