/**
 * Individual offers (K-33, K-46) and order groups (K-06) through the real API on the run's dev
 * server. No worker runs: an acceptance or a group only starts order workflows, and what is
 * asserted is what the placement's transaction wrote (orders, escrow, the ledger) or did not.
 * Expiry is derived from `expires_at`, so the app's manual clock moves across the 7-day line.
 * The web client's forms are posted in-process (no Chromium): the thread's offer form, the
 * card's Accept, and the add-funds prompt when the balance is short.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { createServices } from '../../services/index.js';
import { createWeb } from '../../web/app.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { callerFor, manualClock, signUp, type Caller, type TestUser } from '../support/api.js';
import { insertOffer } from '../support/catalog.js';
import { buildApp, connectTemporal, createTestDatabase, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent, insertConfirmedUser } from '../support/ledger.js';
import { fund, moneyOf } from '../support/orders.js';
import { unreachableProviders } from '../support/payments.js';

describe('individual offers and order groups', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let web: ReturnType<typeof createWeb>;
  // A Monday: nothing is hidden for the weekend.
  const clock = manualClock(new Date('2026-11-02T10:00:00Z'));

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, clock }));
    const services = createServices({ db: database.db, temporal, clock, taskQueue: uniqueId('web'), providers: unreachableProviders(), webUrl: 'http://web.test' });
    web = createWeb({ services, logger: pino({ level: 'silent' }) });
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  const db = () => database.db;
  /** A signed-in seller of the given computed level (K-32) with one active offer. */
  async function signedInSeller(level: 'newbie' | 'advanced' | 'professional') {
    const user = await signUp(call, `io_${level.slice(0, 3)}`);
    if (level !== 'newbie') await db().sql`insert into seller_stats (user_id, level) values (${user.id}, ${level})`;
    return { user, offerId: await insertOffer(db(), user.id) };
  }
  let advanced: Awaited<ReturnType<typeof signedInSeller>>;
  /** The file's Advanced seller with a new active offer of theirs (signing up is the slow part: one seller serves every test). */
  async function seller() {
    advanced ??= await signedInSeller('advanced');
    return { user: advanced.user, offerId: await insertOffer(db(), advanced.user.id) };
  }
  let serial = 0;
  /** Sellers who never sign in, each with an active offer: an order group's. */
  const groupSellers = (count: number) =>
    Promise.all(
      Array.from({ length: count }, async () => {
        const user = await insertConfirmedUser(db(), `io_group_${process.pid}_${++serial}`);
        return { user, offerId: await insertOffer(db(), user.id) };
      }),
    );
  async function buyer(fundsCents = 0) {
    const user = await signUp(call, 'io_buyer');
    if (fundsCents) await fund(db(), user.id, fundsCents);
    return user;
  }
  const offer = (from: TestUser, body: Record<string, unknown>) => call('POST', '/individual-offers', { token: from.token, body });
  async function offered(from: { user: TestUser; offerId: number }, to: TestUser, priceCents = 5_000) {
    const res = await offer(from.user, { buyerId: to.id, basedOnOfferId: from.offerId, description: 'A logo with three concepts and the source files.', priceCents, leadTimeDays: 4 });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: number; status: string; conversationId: number; expiresAt: string };
  }
  const accept = (user: TestUser, id: number, key = randomUUID()) => call('POST', `/individual-offers/${id}/accept`, { token: user.token, headers: { 'idempotency-key': key } });
  const group = (user: TestUser, body: Record<string, unknown>, key = randomUUID()) => call('POST', '/order-groups', { token: user.token, body, headers: { 'idempotency-key': key } });
  const csrf = 'c'.repeat(43);
  /** A page of the web client as `user` sees it, or a form posted by them (with this browser's CSRF token). */
  async function browse(user: TestUser, path: string, form?: Record<string, string>) {
    const headers: Record<string, string> = { cookie: `gf_session=${user.token}; gf_csrf=${csrf}` };
    if (!form) return web.request(`http://web.test${path}`, { headers });
    return web.request(`http://web.test${path}`, {
      method: 'POST',
      headers: { ...headers, origin: 'http://web.test', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
    });
  }
  const orderCount = async (buyerId: number) => (await db().sql<{ n: number }[]>`select count(*)::int as n from orders where buyer_id = ${buyerId}`)[0]!.n;

  it('refuses an individual offer from a Newbie seller with 403 (K-33), and lets Advanced and Professional sellers make one', async () => {
    const newbie = await signedInSeller('newbie');
    const to = await buyer();
    const res = await offer(newbie.user, { buyerId: to.id, basedOnOfferId: newbie.offerId, description: 'A logo with three concepts.', priceCents: 5_000, leadTimeDays: 3 });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.match(res.body.error.message, /Newbie/);
    assert.equal((await offered(await seller(), to)).status, 'open');
    assert.equal((await offered(await signedInSeller('professional'), to)).status, 'open');
  });

  it('takes $10 and $1000 but refuses $9.99 and $1000.01 with 422 (K-46)', async () => {
    const from = await seller();
    const to = await buyer();
    const body = (priceCents: number) => ({ buyerId: to.id, basedOnOfferId: from.offerId, description: 'A logo with three concepts.', priceCents, leadTimeDays: 3 });
    for (const [priceCents, status] of [[999, 422], [1_000, 201], [100_000, 201], [100_001, 422]] as const) {
      const res = await offer(from.user, body(priceCents));
      assert.equal(res.status, status, `${priceCents}: ${JSON.stringify(res.body)}`);
      if (status === 422) assert.equal(res.body.error.details.fields[0].path, 'body.priceCents');
    }
  });

  it('counts the description in characters, as the document does: 10 to 2,000 emoji (each two UTF-16 units)', async () => {
    const from = await seller();
    const to = await buyer();
    const body = (emoji: number) => ({ buyerId: to.id, basedOnOfferId: from.offerId, description: '🎨'.repeat(emoji), priceCents: 5_000, leadTimeDays: 3 });
    for (const [emoji, status] of [[9, 422], [10, 201], [2_000, 201], [2_001, 400]] as const) {
      const res = await offer(from.user, body(emoji));
      assert.equal(res.status, status, `${emoji} emoji: ${JSON.stringify(res.body)}`);
      if (status !== 201) assert.equal(res.body.error.details.fields[0].path, 'body.description');
      else assert.equal((await call('GET', `/individual-offers/${res.body.id}`, { token: to.token })).body.description, '🎨'.repeat(emoji));
    }
  });

  it('announces the offer in the parties’ direct conversation and shows it to them alone', async () => {
    const from = await seller();
    const to = await buyer();
    const made = await offered(from, to);
    const thread = await call('GET', `/conversations/${made.conversationId}/messages`, { token: to.token });
    assert.equal(thread.status, 200);
    assert.match(thread.body.items.at(-1).text, new RegExp(`^Individual offer #${made.id}: \\$50\\.00, 4 days`));
    assert.equal((await call('GET', `/individual-offers/${made.id}`, { token: to.token })).status, 200);
    const stranger = await buyer();
    assert.equal((await call('GET', `/individual-offers/${made.id}`, { token: stranger.token })).status, 404);
    const received = await call('GET', '/me/individual-offers?role=received', { token: to.token });
    assert.deepEqual(received.body.items.map((o: { id: number }) => o.id), [made.id]);
  });

  it('places one order at the offer’s price with its escrow, even when accepted twice', async () => {
    const from = await seller();
    const to = await buyer(10_000);
    const made = await offered(from, to, 4_200);
    const first = await accept(to, made.id);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.offer.status, 'accepted');
    assert.equal(first.body.order.amounts.totalCents, 4_200);
    assert.equal(first.body.order.leadTimeMs, 4 * DAY);
    const again = await accept(to, made.id);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.order.orderId, first.body.order.orderId);
    assert.equal(await orderCount(to.id), 1);
    const money = await moneyOf(db(), first.body.order.orderId, { buyer: to, seller: from.user });
    assert.deepEqual({ escrow: money.escrow, buyer: money.buyer }, { escrow: 4_200, buyer: 5_800 });
    await assertLedgerConsistent(db());
    // Only its buyer accepts; answered, it takes no other answer.
    assert.equal((await accept(from.user, made.id)).status, 403);
    assert.equal((await call('POST', `/individual-offers/${made.id}/decline`, { token: to.token })).status, 409);
  });

  it('answers a short balance with 422 and the missing amount, placing nothing', async () => {
    const from = await seller();
    const to = await buyer(1_000);
    const made = await offered(from, to, 3_000);
    const res = await accept(to, made.id);
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'insufficient_funds');
    assert.equal(res.body.error.details.missingCents, 2_000);
    assert.equal(await orderCount(to.id), 0);
    assert.equal((await call('GET', `/individual-offers/${made.id}`, { token: to.token })).body.status, 'open');
  });

  it('lets the buyer decline and the seller withdraw an open offer, and nothing after', async () => {
    const from = await seller();
    const to = await buyer(10_000);
    const declined = await offered(from, to);
    assert.equal((await call('POST', `/individual-offers/${declined.id}/withdraw`, { token: to.token })).status, 403);
    const res = await call('POST', `/individual-offers/${declined.id}/decline`, { token: to.token });
    assert.equal(res.body.status, 'declined');
    const withdrawn = await offered(from, to);
    assert.equal((await call('POST', `/individual-offers/${withdrawn.id}/withdraw`, { token: from.user.token })).body.status, 'withdrawn');
    for (const id of [declined.id, withdrawn.id]) {
      const refused = await accept(to, id);
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
    }
    assert.equal(await orderCount(to.id), 0);
  });

  it('expires an offer 7 days after it was made: accepted at 7 days − 1 minute, refused at 7 days + 1 minute', async () => {
    const from = await seller();
    const to = await buyer(10_000);
    const early = await offered(from, to);
    const late = await offered(from, to);
    const open = await offered(from, to);
    clock.advance(7 * DAY - MINUTE);
    assert.equal((await accept(to, early.id)).status, 201);
    clock.advance(2 * MINUTE);
    assert.equal((await call('GET', `/individual-offers/${late.id}`, { token: to.token })).body.status, 'expired');
    for (const res of [await accept(to, late.id), await call('POST', `/individual-offers/${open.id}/decline`, { token: to.token }), await call('POST', `/individual-offers/${open.id}/withdraw`, { token: from.user.token })]) {
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.equal(res.body.error.details.status, 'expired');
    }
    assert.equal(await orderCount(to.id), 1);
  });

  it('makes and accepts an offer from the thread page; a short balance leads to Add funds for the missing amount', async () => {
    const from = await seller();
    const to = await buyer(1_000);
    const conversation = (await call('POST', '/conversations', { token: from.user.token, body: { withUserId: to.id } })).body as { id: number };
    assert.match(await (await browse(from.user, `/messages/${conversation.id}`)).text(), /id="individual-offer-form"/);
    assert.doesNotMatch(await (await browse(to, `/messages/${conversation.id}`)).text(), /id="individual-offer-form"/, 'a buyer with no level has no offer form');
    const sent = await browse(from.user, `/messages/${conversation.id}/individual-offers`, { basedOnOfferId: String(from.offerId), description: 'Three logo concepts and the source files.', price: '25.50', leadTimeDays: '5' });
    assert.equal(sent.status, 303);
    const [made] = (await call('GET', '/me/individual-offers?role=received', { token: to.token })).body.items as { id: number; priceCents: number; conversationId: number }[];
    assert.deepEqual([made!.priceCents, made!.conversationId], [2_550, conversation.id]);
    const thread = await (await browse(to, `/messages/${conversation.id}`)).text();
    assert.match(thread, new RegExp(`id="individual-offer-${made!.id}"`));
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(thread)![1]!;
    const short = await browse(to, `/individual-offers/${made!.id}/accept`, { idempotencyKey: key });
    assert.equal(short.headers.get('location'), '/balance/top-up?amount=1550');
    await fund(db(), to.id, 2_000);
    const accepted = await browse(to, `/individual-offers/${made!.id}/accept`, { idempotencyKey: key });
    assert.match(accepted.headers.get('location') ?? '', /^\/orders\/\d+$/);
    assert.equal(await orderCount(to.id), 1);
  });

  it('refuses an order group of 1 or 6 offers, or of one seller twice, with 422 (K-06)', async () => {
    const sellers = await groupSellers(6);
    const to = await buyer(100_000);
    const brief = 'Logo for a bakery: warm colours, a wheat motif.';
    for (const offerIds of [[sellers[0]!.offerId], sellers.map((s) => s.offerId), [sellers[0]!.offerId, await insertOffer(db(), sellers[0]!.user.id)]]) {
      const res = await group(to, { offerIds, brief });
      assert.equal(res.status, 422, `${offerIds.length} offers: ${JSON.stringify(res.body)}`);
    }
    assert.equal(await orderCount(to.id), 0);
  });

  it('places an order group of 3: each order with its escrow and the brief as its requirements; a retry answers the same group', async () => {
    const sellers = await groupSellers(3);
    const to = await buyer(5_000);
    const brief = 'Logo for a bakery: warm colours, a wheat motif.';
    const key = randomUUID();
    const res = await group(to, { offerIds: sellers.map((s) => s.offerId), brief }, key);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.orders.length, 3);
    assert.deepEqual(res.body.orders.map((o: { offerId: number }) => o.offerId), sellers.map((s) => s.offerId));
    for (const [i, member] of (res.body.orders as { orderId: number; status: string }[]).entries()) {
      // The order's row as the placement wrote it (no worker runs to answer the workflow's query).
      const [row] = await db().sql<{ requirements: string | null }[]>`select view->>'requirements' as requirements from orders where id = ${member.orderId}`;
      assert.equal(row!.requirements, brief);
      assert.equal((await moneyOf(db(), member.orderId, { buyer: to, seller: sellers[i]!.user })).escrow, 1_000);
    }
    assert.equal((await call('GET', `/order-groups/${res.body.id}`, { token: to.token })).status, 200);
    const stranger = await buyer();
    assert.equal((await call('GET', `/order-groups/${res.body.id}`, { token: stranger.token })).status, 404);
    const retry = await group(to, { offerIds: sellers.map((s) => s.offerId), brief }, key);
    assert.equal(retry.status, 200);
    assert.equal(retry.body.id, res.body.id);
    assert.equal(await orderCount(to.id), 3);
    const mine = await call('GET', '/me/order-groups', { token: to.token });
    assert.deepEqual(mine.body.items.map((g: { id: number; orderCount: number }) => [g.id, g.orderCount]), [[res.body.id, 3]]);
    await assertLedgerConsistent(db());
  });

  it('counts the brief in characters, as the document does: 5,000 emoji (10,000 UTF-16 units) are one brief', async () => {
    const sellers = await groupSellers(2);
    const to = await buyer(2_000);
    const offerIds = sellers.map((s) => s.offerId);
    const over = await group(to, { offerIds, brief: '🎨'.repeat(5_001) });
    assert.equal(over.status, 400, JSON.stringify(over.body));
    assert.equal(over.body.error.details.fields[0].path, 'body.brief');
    const res = await group(to, { offerIds, brief: '🎨'.repeat(5_000) });
    assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 300));
    const [row] = await db().sql<{ requirements: string }[]>`select view->>'requirements' as requirements from orders where id = ${res.body.orders[0].orderId}`;
    assert.equal(row!.requirements, '🎨'.repeat(5_000));
  });

  it('places nothing of a group the balance cannot pay in full (422 with the missing amount)', async () => {
    const sellers = await groupSellers(3);
    const to = await buyer(2_500);
    const res = await group(to, { offerIds: sellers.map((s) => s.offerId), brief: 'Logo for a bakery.' });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.details.missingCents, 500);
    assert.equal(await orderCount(to.id), 0);
    assert.equal((await call('GET', '/me/order-groups', { token: to.token })).body.items.length, 0);
  });
});
