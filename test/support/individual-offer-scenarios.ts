/**
 * The individual offer workflow's scenarios (K-46), captured by `npm run histories:capture --
 * individual-offer` under a policy of seconds and replayed by `test/replay/histories.test.ts`:
 * an offer left unanswered until it expires, and one the buyer declines first.
 */
import assert from 'node:assert/strict';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { individualOfferWorkflowId, type IndividualOfferView } from '../../workflows/individual-offer/messages.js';
import { individualOfferPolicy } from '../../workflows/individual-offer/policy.js';
import { insertOffer } from './catalog.js';
import { createUsers } from './ledger.js';
import type { ScenarioEnv } from './order-scenarios.js';

/** The fixtures, each `individual-offer-<name>.json`. */
export const individualOfferScenarios = ['expired', 'declined'] as const;
export const individualOfferHistoryFile = (name: (typeof individualOfferScenarios)[number]) => `individual-offer-${name}.json`;

/** Runs both scenarios to their end, checks each ended as expected, and answers the histories by fixture file. */
export async function captureIndividualOfferHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  const gateway = createWorkflowGateway({ temporal: env.temporal, taskQueue: env.taskQueue });
  const [sellerId, buyerId] = await createUsers(env.db, 2);
  const basedOn = await insertOffer(env.db, sellerId!);
  const policy = { ...individualOfferPolicy(), ttlMs: 2_000 };
  async function run(name: (typeof individualOfferScenarios)[number]): Promise<[string, string]> {
    const createdAt = new Date().toISOString();
    const [row] = await env.db.sql<{ id: string }[]>`
      insert into individual_offers (seller_id, buyer_id, based_on_offer_id, description, price_cents, lead_time_days, created_at, expires_at)
      values (${sellerId!}, ${buyerId!}, ${basedOn}, 'Three logo concepts.', 2500, 3, ${createdAt}::timestamptz, ${createdAt}::timestamptz + interval '2 seconds') returning id`;
    const offerId = Number(row!.id);
    await gateway.individualOffer.start({ offerId, sellerId: sellerId!, buyerId: buyerId!, priceCents: 2_500, createdAt, policy });
    if (name === 'declined') {
      await env.db.sql`update individual_offers set status = 'declined', decided_at = now() where id = ${offerId}`;
      await gateway.individualOffer.answered(offerId, 'declined');
    }
    const handle = env.temporal.workflow.getHandle(individualOfferWorkflowId(offerId));
    const result: IndividualOfferView = await handle.result();
    assert.equal(result.status, name);
    return [individualOfferHistoryFile(name), historyToJSON(await handle.fetchHistory())];
  }
  return new Map(await Promise.all(individualOfferScenarios.map(run)));
}
