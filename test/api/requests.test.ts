/**
 * Service requests through the real API (K-44, K-45), with gigflow's worker on the run's dev
 * server: posting checks its input (400 malformed, 422 a rule), who sees and acts on a request
 * (the buyer, staff, sellers while it is active; anyone else 404 as for an unknown one),
 * answers (one per seller, never on one's own request, never from blocked offers), and a pick
 * of two answers placing two orders through the normal placement — each offer's price held in
 * escrow, the ledger balanced — after a pick short of money placed nothing (422, the add-funds
 * prompt's numbers). Individual offers as answers (K-46, K-33): a Newbie's is refused (403), an
 * Advanced seller's is picked into one order at its own price, and it becomes accepted. The
 * buyer's files (K-69): an answering seller sees and downloads them, a stranger gets 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { callerFor, signUp, type Caller, type TestUser } from '../support/api.js';
import { sampleOf } from '../support/attachment-samples.js';
import { insertOffer } from '../support/catalog.js';
import { buildApp, connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { fund } from '../support/orders.js';

/** A leaf category of the seeded catalog, and its top category. */
const LEAF = 11;
const TOP = 1;

describe('service requests', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: { stop(): Promise<void> };
  let app: ReturnType<typeof buildApp>;
  let call: Caller;
  let moderator: TestUser;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    const taskQueue = uniqueId('requests');
    app = buildApp({ db: database.db, temporal, taskQueue });
    call = callerFor(app);
    worker = await startWorker(database.db, taskQueue);
    moderator = await signUp(call, 'rq_moderator');
    await createAccounts({ db: database.db, clock: systemClock }).grantRole(moderator.id, 'moderator');
  });
  after(async () => {
    await worker?.stop();
    await database?.drop();
    await temporal?.connection.close();
  });

  const body = { title: 'A logo for a bakery', description: 'Three sketches, then one final logo in vector files.', categoryId: LEAF, budgetCents: 5_000 };
  async function post(buyer: TestUser): Promise<number> {
    const res = await call('POST', '/requests', { token: buyer.token, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'awaiting_moderation');
    return res.body.id;
  }
  async function live(buyer: TestUser): Promise<number> {
    const id = await post(buyer);
    const res = await call('POST', `/staff/requests/${id}/approve`, { token: moderator.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'active');
    return id;
  }
  const answer = (seller: TestUser, id: number, offerId: number, comment: string | null = null) => call('POST', `/requests/${id}/answers`, { token: seller.token, body: { offerId, comment } });

  it('refuses a malformed posting with 400, and with 422 a budget out of bounds, a top category or an unconfirmed email', async () => {
    const buyer = await signUp(call, 'rq_buyer');
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...body, title: 'x' }, 400, 'invalid_input'],
      [{ ...body, budgetCents: 12.5 }, 400, 'invalid_input'],
      [{ ...body, extra: true }, 400, 'invalid_input'],
      [{ ...body, budgetCents: 999 }, 422, 'rule_violation'],
      [{ ...body, budgetCents: 10_000_001 }, 422, 'rule_violation'],
      [{ ...body, categoryId: TOP }, 422, 'rule_violation'],
    ];
    for (const [sent, status, code] of cases) {
      const res = await call('POST', '/requests', { token: buyer.token, body: sent });
      assert.equal(res.status, status, JSON.stringify(sent));
      assert.equal(res.body.error.code, code);
    }
    const unconfirmed = await signUp(call, 'rq_unconf', { confirm: false });
    const res = await call('POST', '/requests', { token: unconfirmed.token, body });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'email_not_confirmed');
    const noBudget = await call('POST', '/requests', { token: buyer.token, body: { ...body, budgetCents: null } });
    assert.equal(noBudget.status, 201);
    assert.equal(noBudget.body.budgetCents, null);
  });

  it('shows a request awaiting moderation to its buyer and staff only; the queue is for moderators; the buyer reads a rejection’s reason', async () => {
    const [buyer, stranger] = [await signUp(call, 'rq_buyer'), await signUp(call, 'rq_stranger')];
    const id = await post(buyer);
    assert.equal((await call('GET', `/requests/${id}`, { token: stranger.token })).status, 404);
    assert.equal((await call('GET', '/requests/999999', { token: buyer.token })).status, 404);
    assert.equal((await call('GET', '/staff/requests', { token: stranger.token })).status, 403);
    const queue = await call('GET', '/staff/requests', { token: moderator.token });
    assert.ok(queue.body.items.some((r: { id: number }) => r.id === id));
    assert.equal((await call('POST', `/staff/requests/${id}/approve`, { token: buyer.token })).status, 403);
    assert.equal((await answer(stranger, id, await insertOffer(database.db, stranger.id))).status, 404, 'not on the board before approval');

    const rejected = await call('POST', `/staff/requests/${id}/reject`, { token: moderator.token, body: { reason: 'Please describe the work, not the person' } });
    assert.equal(rejected.status, 200);
    const seen = await call('GET', `/requests/${id}`, { token: buyer.token });
    assert.equal(seen.body.status, 'rejected');
    assert.equal(seen.body.statusReason, 'Please describe the work, not the person');
    const again = await call('POST', `/staff/requests/${id}/approve`, { token: moderator.token });
    assert.equal(again.status, 409);
    assert.equal((await call('GET', `/me/requests`, { token: buyer.token })).body.items[0].id, id);
  });

  it('is not moderated by its own buyer, a moderator too (403, still awaiting): another moderator decides it', async () => {
    const buyer = await signUp(call, 'rq_mod_buyer');
    await createAccounts({ db: database.db, clock: systemClock }).grantRole(buyer.id, 'moderator');
    const id = await post(buyer);
    const own = await call('POST', `/staff/requests/${id}/approve`, { token: buyer.token });
    assert.equal(own.status, 403);
    assert.match(own.body.error.message, /another moderator/);
    assert.equal((await call('GET', `/requests/${id}`, { token: buyer.token })).body.status, 'awaiting_moderation');
    assert.equal((await call('POST', `/staff/requests/${id}/approve`, { token: moderator.token })).status, 200);
  });

  it('takes one answer per seller from their own active offer, never on their own request nor from blocked offers; a withdrawn answer frees them to answer again', async () => {
    const [buyer, seller, blocked, other] = [await signUp(call, 'rq_buyer'), await signUp(call, 'rq_seller'), await signUp(call, 'rq_blocked'), await signUp(call, 'rq_other')];
    const id = await live(buyer);
    const offerId = await insertOffer(database.db, seller.id);
    const board = await call('GET', `/requests?categoryId=${LEAF}`, { token: seller.token });
    assert.ok(board.body.items.some((r: { id: number }) => r.id === id), 'on the sellers’ board');
    assert.equal((await answer(buyer, id, await insertOffer(database.db, buyer.id))).status, 422, 'one’s own request');
    assert.equal((await answer(seller, id, await insertOffer(database.db, other.id))).status, 422, 'another seller’s offer');
    assert.equal((await answer(blocked, id, await insertOffer(database.db, blocked.id, { status: 'suspended' }))).status, 409, 'a blocked offer');

    const first = await answer(seller, id, offerId, 'I bake logos daily');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.allowedActions, ['withdraw_answer']);
    const answerId = first.body.answers[0].answerId;
    const twice = await answer(seller, id, offerId);
    assert.equal(twice.status, 409);
    assert.match(twice.body.error.message, /answered this request already/);
    assert.equal((await call('POST', `/requests/${id}/answers/${answerId}/withdraw`, { token: other.token })).status, 404, 'another seller’s answer');
    const withdrawn = await call('POST', `/requests/${id}/answers/${answerId}/withdraw`, { token: seller.token });
    assert.equal(withdrawn.status, 200);
    assert.equal(withdrawn.body.answers[0].status, 'withdrawn');
    assert.equal((await answer(seller, id, offerId)).status, 200);
    const asBuyer = await call('GET', `/requests/${id}`, { token: buyer.token });
    assert.equal(asBuyer.body.answers.length, 2);
    assert.equal(asBuyer.body.answers[1].seller.level, 'newbie');
    assert.equal((await call('GET', `/requests/${id}`, { token: other.token })).body.answers.length, 0, 'sellers see only their own answer');
    assert.equal((await call('POST', `/requests/${id}/close`, { token: seller.token })).status, 404);
    assert.equal((await call('POST', `/requests/${id}/close`, { token: buyer.token })).body.status, 'closed');
    assert.equal((await call('GET', `/requests/${id}`, { token: other.token })).status, 404, 'closed: only who answered still sees it');
    assert.equal((await call('GET', `/requests/${id}`, { token: seller.token })).status, 200);
  });

  it('places one order per picked answer through the normal placement, each offer’s price in escrow, after a pick short of money placed nothing (422)', async () => {
    const [buyer, s1, s2] = [await signUp(call, 'rq_buyer'), await signUp(call, 'rq_s1'), await signUp(call, 'rq_s2')];
    const id = await live(buyer);
    const [o1, o2] = [await insertOffer(database.db, s1.id, { priceCents: 1_500 }), await insertOffer(database.db, s2.id, { priceCents: 2_500 })];
    const a1 = (await answer(s1, id, o1)).body.answers[0].answerId;
    const a2 = (await answer(s2, id, o2)).body.answers[0].answerId;
    await fund(database.db, buyer.id, 3_000);

    const short = await call('POST', `/requests/${id}/picks`, { token: buyer.token, body: { answerIds: [a1, a2] } });
    assert.equal(short.status, 422, JSON.stringify(short.body));
    assert.equal(short.body.error.code, 'insufficient_funds');
    assert.equal(short.body.error.details.requiredCents, 4_000);
    assert.equal(short.body.error.details.availableCents, 3_000);
    assert.equal((await call('GET', `/requests/${id}`, { token: buyer.token })).body.status, 'active', 'nothing placed, the request stays');
    assert.equal((await call('POST', `/requests/${id}/picks`, { token: s1.token, body: { answerIds: [a1] } })).status, 404, 'only the buyer picks');
    // The document says `uniqueItems`: an answer named twice is malformed (400), nothing placed.
    const twice = await call('POST', `/requests/${id}/picks`, { token: buyer.token, body: { answerIds: [a1, a1] } });
    assert.equal(twice.status, 400, JSON.stringify(twice.body));
    assert.equal(twice.body.error.code, 'invalid_input');
    const documented = (await call('GET', '/openapi.json')).body.paths['/requests/{id}/picks'].post.requestBody.content['application/json'].schema;
    assert.equal(documented.properties.answerIds.uniqueItems, true);

    await fund(database.db, buyer.id, 1_000);
    const picked = await call('POST', `/requests/${id}/picks`, { token: buyer.token, body: { answerIds: [a1, a2] } });
    assert.equal(picked.status, 200, JSON.stringify(picked.body));
    assert.equal(picked.body.status, 'picked');
    const orders = picked.body.answers.map((a: { orderId: number }) => a.orderId);
    assert.equal(new Set(orders).size, 2);
    for (const [orderId, cents] of [[orders[0], 1_500], [orders[1], 2_500]]) {
      const [escrow] = await database.db.sql<{ balance: string }[]>`select balance from ledger_accounts where key = ${`order:${orderId}:escrow`}`;
      assert.equal(Number(escrow!.balance), cents, `order ${orderId}'s escrow`);
      assert.equal((await call('GET', `/orders/${orderId}`, { token: buyer.token })).status, 200);
    }
    const [main] = await database.db.sql<{ balance: string }[]>`select balance from ledger_accounts where key = ${`user:${buyer.id}:main`}`;
    assert.equal(Number(main!.balance), 0);
    await assertLedgerConsistent(database.db);
    const again = await call('POST', `/requests/${id}/picks`, { token: buyer.token, body: { answerIds: [a1] } });
    assert.equal(again.status, 409, 'picked: over');
  });

  const individual = { description: 'Your bakery logo: three sketches, one final in SVG.', priceCents: 4_200, leadTimeDays: 5 };
  const answerIndividual = (seller: TestUser, id: number, offerId: number) =>
    call('POST', `/requests/${id}/answers`, { token: seller.token, body: { offerId, comment: null, individualOffer: individual } });

  it('K-33, K-46: refuses a Newbie’s individual-offer answer with 403 and makes no offer; an Advanced seller’s, picked, is one order at its own price, and the offer is accepted', async () => {
    const [buyer, newbie, advanced] = [await signUp(call, 'rq_buyer'), await signUp(call, 'rq_newbie'), await signUp(call, 'rq_adv')];
    await database.db.sql`insert into seller_stats (user_id, level) values (${advanced.id}, 'advanced')`;
    const id = await live(buyer);
    const refused = await answerIndividual(newbie, id, await insertOffer(database.db, newbie.id));
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal((await database.db.sql`select 1 from individual_offers where seller_id = ${newbie.id}`).length, 0, 'no offer made');

    const offerId = await insertOffer(database.db, advanced.id, { priceCents: 1_000 });
    const answered = await answerIndividual(advanced, id, offerId);
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const [mine] = answered.body.answers;
    assert.equal(mine.kind, 'individual_offer');
    assert.equal(mine.priceCents, 4_200);
    assert.deepEqual({ description: mine.individualOffer.description, leadTimeDays: mine.individualOffer.leadTimeDays }, { description: individual.description, leadTimeDays: 5 });
    const accepted = await call('POST', `/individual-offers/${mine.individualOffer.id}/accept`, { token: buyer.token, headers: { 'idempotency-key': uniqueId('io') } });
    assert.equal(accepted.status, 409, 'ordered by the pick, not on its own');

    await fund(database.db, buyer.id, 4_200);
    const picked = await call('POST', `/requests/${id}/picks`, { token: buyer.token, body: { answerIds: [mine.answerId] } });
    assert.equal(picked.status, 200, JSON.stringify(picked.body));
    const orderId = picked.body.answers[0].orderId;
    const order = await call('GET', `/orders/${orderId}`, { token: buyer.token });
    assert.equal(order.body.amounts.totalCents, 4_200, 'the individual offer’s price, not the kwork’s $10');
    const [escrow] = await database.db.sql<{ balance: string }[]>`select balance from ledger_accounts where key = ${`order:${orderId}:escrow`}`;
    assert.equal(Number(escrow!.balance), 4_200);
    assert.equal(order.body.offer.baseLeadTimeDays, 5, 'the individual offer’s lead time');
    const [row] = await database.db.sql<{ status: string; order_id: string }[]>`select status, order_id from individual_offers where id = ${mine.individualOffer.id}`;
    assert.deepEqual({ status: row!.status, orderId: Number(row!.order_id) }, { status: 'accepted', orderId });
    await assertLedgerConsistent(database.db);
  });

  it('K-69: a request’s file is listed and downloadable by a seller who answered it, and 404 for a stranger once it is closed', async () => {
    const [buyer, seller, stranger] = [await signUp(call, 'rq_buyer'), await signUp(call, 'rq_seller'), await signUp(call, 'rq_stranger')];
    const form = new FormData();
    form.append('file', new File([sampleOf('png') as Uint8Array<ArrayBuffer>], 'sketch.png'));
    const uploaded = await app.request('/attachments', { method: 'POST', headers: { authorization: `Bearer ${buyer.token}` }, body: form });
    assert.equal(uploaded.status, 201);
    const fileId = ((await uploaded.json()) as { id: string }).id;
    const othersFile = await call('POST', '/requests', { token: seller.token, body: { ...body, attachmentIds: [fileId] } });
    assert.equal(othersFile.status, 404, 'only one’s own uploads');
    const posted = await call('POST', '/requests', { token: buyer.token, body: { ...body, attachmentIds: [fileId] } });
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    assert.deepEqual(posted.body.attachments.map((a: { id: string; name: string }) => [a.id, a.name]), [[fileId, 'sketch.png']]);
    const id = posted.body.id;
    const download = (user: TestUser) => app.request(`/attachments/${fileId}`, { headers: { authorization: `Bearer ${user.token}` } });
    assert.equal((await download(seller)).status, 404, 'awaiting moderation: not the sellers’ yet');
    assert.equal((await download(moderator)).status, 200, 'staff');
    assert.equal((await call('POST', `/staff/requests/${id}/approve`, { token: moderator.token })).status, 200);
    assert.equal((await answer(seller, id, await insertOffer(database.db, seller.id))).status, 200);
    assert.equal((await call('POST', `/requests/${id}/close`, { token: buyer.token })).status, 200);

    const seen = await call('GET', `/requests/${id}`, { token: seller.token });
    assert.equal(seen.body.attachments[0].id, fileId);
    const res = await download(seller);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment/);
    assert.equal((await download(stranger)).status, 404);
    assert.equal((await app.request(`/attachments/${fileId}`)).status, 404, 'signed out');
  });
});
