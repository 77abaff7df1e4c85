/**
 * Individual offers' expiry on the time-skipping server (K-46): the real workflow and activity
 * over a test database, offers made and answered through the service as the API does. An
 * unanswered offer is still open at 7 days − 1 minute and expired, with both parties told, at
 * 7 days + 1 minute; an answered one ends its workflow at once and is never expired.
 *
 * The server's clock starts at the real now and only moves forward: each test reads it first
 * and makes its offer then, with its own users.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pollUntil } from '../../scripts/poll.js';
import { createServices, type Services } from '../../services/index.js';
import { individualOfferWorkflowId, type IndividualOfferView } from '../../workflows/individual-offer/messages.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { insertOffer } from '../support/catalog.js';
import { startTimeSkippingStack, type TimeSkippingStack } from '../support/harness.js';
import { createUsers } from '../support/ledger.js';
import { unreachableProviders } from '../support/payments.js';

describe('individual offers on the time-skipping server', () => {
  let stack: TimeSkippingStack;
  let env: TestWorkflowEnvironment;
  let services: Services;
  /** The services' clock: set to the server's before each offer is made, so its row and its timer agree. */
  let nowMs = 0;

  before(async () => {
    stack = await startTimeSkippingStack(import.meta.filename, 'individual-offer');
    env = stack.env;
    services = createServices({ db: stack.database.db, temporal: env.client, clock: { now: () => new Date(nowMs) }, taskQueue: stack.taskQueue, providers: unreachableProviders(), webUrl: 'http://web.test' });
  });
  after(() => stack?.stop());

  const db = () => stack.database.db;
  async function offer() {
    const [sellerId, buyerId] = await createUsers(db(), 2);
    await db().sql`insert into seller_stats (user_id, level) values (${sellerId!}, 'advanced')`;
    nowMs = await env.currentTimeMs();
    const made = await services.individualOffers.create({ sellerId: sellerId!, buyerId: buyerId!, basedOnOfferId: await insertOffer(db(), sellerId!), description: 'Three logo concepts.', priceCents: 2_500, leadTimeDays: 3 });
    return { ...made, madeAt: nowMs };
  }
  const statusOf = async (id: number) => (await db().sql<{ status: string }[]>`select status from individual_offers where id = ${id}`)[0]!.status;
  const expiryNotices = async (id: number) =>
    (await db().sql<{ user_id: string }[]>`select user_id from notifications where kind = 'individual_offer_expired' and dedupe_key like ${`individual-offer:${id}:%`} order by user_id`).map((r) => Number(r.user_id));
  async function sleepTo(atMs: number) {
    const current = await env.currentTimeMs();
    assert.ok(atMs > current, 'the clock only moves forward');
    await env.sleep(atMs - current);
  }

  it('expires an unanswered offer at 7 days and tells both parties: open at 7 days − 1 minute, expired at 7 days + 1 minute', async () => {
    const made = await offer();
    await sleepTo(made.madeAt + 7 * DAY - MINUTE);
    assert.equal(await statusOf(made.id), 'open');
    assert.deepEqual(await expiryNotices(made.id), []);
    await sleepTo(made.madeAt + 7 * DAY + MINUTE);
    const result: IndividualOfferView = await env.client.workflow.getHandle(individualOfferWorkflowId(made.id)).result();
    assert.equal(result.status, 'expired');
    assert.equal(await statusOf(made.id), 'expired');
    await pollUntil(async () => ((await expiryNotices(made.id)).length === 2 ? true : undefined), { timeoutMs: 10_000, what: 'both parties told' });
    assert.deepEqual(await expiryNotices(made.id), [made.seller.id, made.buyer.id].sort((a, b) => a - b));
  });

  it('ends an answered offer’s workflow at once, never expiring it', async () => {
    const made = await offer();
    await services.individualOffers.decline(made.buyer.id, made.id);
    const result: IndividualOfferView = await env.client.workflow.getHandle(individualOfferWorkflowId(made.id)).result();
    assert.equal(result.status, 'declined');
    await sleepTo(made.madeAt + 7 * DAY + MINUTE);
    assert.equal(await statusOf(made.id), 'declined');
    assert.deepEqual(await expiryNotices(made.id), []);
  });
});
