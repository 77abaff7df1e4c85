/**
 * All I/O a workflow may ask for, built from injected dependencies. Each capability (ledger,
 * read models, notifications, payments…) gets its own `createXActivities(deps)` file; this
 * factory merges them into the one object the worker registers.
 */
import type { Db } from '../db/client.js';
import type { Providers } from '../payments/provider.js';
import type { StandingPolicy } from '../workflows/standing/messages.js';
import { createAttentionActivities } from './attention.js';
import { createBuyerStatusActivities } from './buyer-statuses.js';
import { createIndividualOfferActivities } from './individual-offers.js';
import { createLedgerActivities } from './ledger.js';
import { createJobActivities } from './jobs.js';
import { createModerationActivities } from './moderation.js';
import { createOrderActivities } from './orders.js';
import { createPayoutBatchActivities } from './payout-batches.js';
import { createReplyWatchActivities } from './reply-watch.js';
import { createRequestActivities, type PickPlacer } from './requests.js';
import { createStandingActivities } from './standing.js';
import { createWithdrawalActivities } from './withdrawals.js';

export interface ActivityDeps {
  db: Db;
  /** The payment adapters withdrawals pay out through; without them a payout fails for good (`payout_provider_missing`). */
  providers?: Providers;
  /** The rules of the standings an ignored order (K-64) or ignored messages (K-63) start; tests shorten them. Default: the policy module's. */
  standingPolicy?: StandingPolicy;
  /** How a service request's pick places its orders (worker.ts builds it from the API's placement). */
  placePicks?: PickPlacer;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAttentionActivities(deps),
    ...createLedgerActivities(deps),
    ...createModerationActivities(deps),
    ...createOrderActivities({ db: deps.db, ...(deps.standingPolicy ? { standing: deps.standingPolicy } : {}) }),
    ...createStandingActivities(deps),
    ...createReplyWatchActivities(deps.standingPolicy ? { standing: deps.standingPolicy } : {}),
    ...createWithdrawalActivities(deps),
    ...createPayoutBatchActivities(deps),
    ...createBuyerStatusActivities(deps),
    ...createIndividualOfferActivities(deps),
    ...createRequestActivities(deps),
    ...createJobActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
