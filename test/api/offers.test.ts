/**
 * Kwork offers through the real API, with a real worker on the dev server running each
 * submission's `kworkModeration` workflow against this file's database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createAccounts } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { catalogRules } from '../../services/policy.js';
import { callerFor, manualClock, signIn, signUp, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { finishOrders, historyFrom, times } from '../support/reputation.js';
import { randomHex, seededRandom } from '../support/seed.js';

const LOGOS = 11; // fixed $10 basic price; packages fixed at $10 / $25 / $50
const TURNKEY_SITE = 21; // free price; requires service_type

let serial = 0;
const random = seededRandom('test/api/offers');
/** A valid offer in the Logos category, different from every other one this file makes. */
function logoOffer(overrides: Record<string, unknown> = {}) {
  const n = ++serial;
  const words = ['vivid', 'bold', 'calm', 'sharp', 'playful', 'classic', 'modern', 'retro', 'elegant', 'minimal', 'geometric', 'hand-drawn'];
  const pick = (k: number) => words[(n * 7 + k * 5) % words.length];
  // A random tag in both texts keeps any two offers clear of the near-duplicate rule; drawn
  // from the run's seed, so that every run writes the same offers.
  const tag = randomHex(random, 20);
  return {
    categoryId: LOGOS,
    title: `I will design a ${pick(1)} ${pick(2)} logo ${tag}`,
    description: `Offer ${n} ${randomHex(random, 32)}: ${pick(3)} concepts for your brand ${pick(4)} ${pick(5)}, ${tag}.`,
    priceCents: 1_000,
    leadTimeDays: 3,
    instructions: 'Send your brand name and colours',
    attributes: { style: ['minimalist'] },
    options: [{ title: 'Express delivery', priceCents: 500, extraDays: 0 }],
    ...overrides,
  };
}

describe('kwork offers', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: { stop(): Promise<void> };
  let call: Caller;
  let moderator: TestUser;
  let admin: TestUser;
  const clock = manualClock(new Date('2026-11-19T12:00:00Z')); // a Thursday
  const taskQueue = uniqueId('offers');

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    worker = await startWorker(database.db, taskQueue);
    call = callerFor(buildApp({ db: database.db, temporal, clock, taskQueue }));
    moderator = await signUp(call, 'moderator');
    admin = await signUp(call, 'admin');
    const accounts = createAccounts({ db: database.db, clock: systemClock });
    await accounts.grantRole(moderator.id, 'moderator');
    await accounts.grantRole(admin.id, 'admin');
  });
  after(async () => {
    await worker?.stop();
    await database?.drop();
    await temporal?.connection.close();
  });

  const create = (user: TestUser, body: object) => call('POST', '/offers', { token: user.token, body });
  async function draft(user: TestUser, body: object = logoOffer()): Promise<number> {
    const res = await create(user, body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  }
  async function submit(user: TestUser, offerId: number) {
    return call('POST', `/offers/${offerId}/submit`, { token: user.token });
  }
  async function decide(offerId: number, body: object, as: TestUser = moderator) {
    return call('POST', `/moderation/offers/${offerId}/decision`, { token: (await signIn(call, as)).token, body });
  }
  async function publish(user: TestUser, body: object = logoOffer()): Promise<number> {
    const id = await draft(user, body);
    assert.equal((await submit(user, id)).status, 200);
    const approved = await decide(id, { decision: 'approve' });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    return id;
  }
  const publicPage = (offerId: number) => call('GET', `/offers/${offerId}`);

  describe('creating', () => {
    it('needs a confirmed email', async () => {
      const seller = await signUp(call, 'unconfirmed', { confirm: false });
      const res = await create(seller, logoOffer());
      assert.equal(res.status, 422);
      assert.equal(res.body.error.code, 'email_not_confirmed');
    });

    // A malformed offer, or one naming what its category does not have: 400. A well-formed offer
    // that a catalog rule refuses (K-01, K-03, a top category): 422, as a request's top category is.
    const MALFORMED = [400, 'invalid_input'] as const;
    const RULE = [422, 'rule_violation'] as const;
    for (const [what, overrides, path, [status, code]] of [
      ['a title under 10 characters', { title: 'Logo' }, 'body.title', MALFORMED],
      ['a title of 10 characters, 1 once trimmed', { title: `${' '.repeat(9)}L` }, 'body.title', MALFORMED],
      ['a title over 80 characters', { title: 'L'.repeat(81) }, 'body.title', MALFORMED],
      ['11 options', { options: Array.from({ length: 11 }, (_, i) => ({ title: `Option ${i}`, priceCents: 500 })) }, 'body.options', MALFORMED],
      ['an option under $4', { options: [{ title: 'Cheap', priceCents: 399 }] }, 'body.options.0.priceCents', MALFORMED],
      ['an option over $200', { options: [{ title: 'Dear', priceCents: 20_001 }] }, 'body.options.0.priceCents', MALFORMED],
      ['an unknown category', { categoryId: 999_999 }, 'body.categoryId', MALFORMED],
      ['an attribute the category does not declare', { attributes: { cms: 'tilda' } }, 'body.attributes.cms', MALFORMED],
      ['an attribute value the category does not allow', { attributes: { style: ['baroque'] } }, 'body.attributes.style', MALFORMED],
      ['an unknown field', { discount: 10 }, 'body.discount', MALFORMED],
      ['a price other than $10 where the category has no free price (K-01)', { priceCents: 1_500 }, 'body.priceCents', RULE],
      ['a top category', { categoryId: 1 }, 'body.categoryId', RULE],
      ['a package price other than the category fixes (K-03)', { packages: { standard: { priceCents: 3_000, leadTimeDays: 4, includes: ['3 concepts'] } } }, 'body.packages.standard.priceCents', RULE],
    ] as const) {
      it(`refuses ${what} with ${status} naming ${path}`, async () => {
        const seller = await signUp(call, 'validator');
        const res = await create(seller, logoOffer(overrides));
        assert.equal(res.status, status, JSON.stringify(res.body));
        assert.equal(res.body.error.code, code);
        assert.ok(res.body.error.details.fields.some((f: { path: string }) => f.path === path), JSON.stringify(res.body));
        assert.equal((await call('GET', '/me/offers', { token: seller.token })).body.items.length, 0);
      });
    }

    it('accepts 10 options at $4 and $200, a free price where the category allows it, and the fixed packages', async () => {
      const seller = await signUp(call, 'maximal');
      const options = Array.from({ length: 10 }, (_, i) => ({ title: `Option ${i}`, priceCents: i % 2 ? 400 : 20_000, extraDays: 1 }));
      const logo = await create(seller, logoOffer({ options, packages: { economy: { priceCents: 1_000, leadTimeDays: 2, includes: ['1 concept'] }, business: { priceCents: 5_000, leadTimeDays: 7, includes: ['5 concepts', 'brand book'] } } }));
      assert.equal(logo.status, 201, JSON.stringify(logo.body));
      assert.deepEqual(logo.body.options.map((o: { id: number }) => o.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const landing = {
        categoryId: TURNKEY_SITE,
        title: 'I will build your landing page on Tilda',
        description: 'A one-page site with your texts and pictures, responsive, connected to your domain and forms.',
        priceCents: 25_000,
        leadTimeDays: 7,
        attributes: { service_type: 'landing', cms: ['tilda'] },
      };
      const site = await create(seller, landing);
      assert.equal(site.status, 201, JSON.stringify(site.body));
      const missing = await create(seller, { ...landing, title: 'I will build your shop on OpenCart quickly', attributes: { cms: ['opencart'] } });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.details.fields[0].path, 'body.attributes.service_type', 'the category requires it');
    });

    // K-01: a category with a free price takes $10 to $1,000; one cent past either end is the rule's 422.
    for (const [priceCents, status] of [
      [catalogRules.freePriceMinCents - 1, 422],
      [catalogRules.freePriceMinCents, 201],
      [catalogRules.freePriceMaxCents, 201],
      [catalogRules.freePriceMaxCents + 1, 422],
    ] as const) {
      it(`answers ${status} to a free price of ${priceCents} cents`, async () => {
        const seller = await signUp(call, 'freeprice');
        const res = await create(seller, {
          categoryId: TURNKEY_SITE,
          title: 'I will build your landing page on Tilda',
          description: 'A one-page site with your texts and pictures, responsive, connected to your domain and forms.',
          priceCents,
          leadTimeDays: 7,
          attributes: { service_type: 'landing' },
        });
        assert.equal(res.status, status, JSON.stringify(res.body));
        if (status === 422) assert.deepEqual([res.body.error.code, res.body.error.details.fields[0].path], ['rule_violation', 'body.priceCents']);
        else assert.equal(res.body.priceCents, priceCents);
      });
    }

    it(`allows a Newbie seller ${catalogRules.newbieMaxOffers} offers, then refuses with 422 naming the rule`, async () => {
      const seller = await signUp(call, 'prolific');
      const ids = [];
      for (let i = 0; i < catalogRules.newbieMaxOffers; i++) ids.push(await draft(seller));
      const refused = await create(seller, logoOffer());
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, 'offer_limit');
      assert.deepEqual(refused.body.error.details, { rule: 'newbie_total', limit: catalogRules.newbieMaxOffers });
      assert.equal((await call('DELETE', `/offers/${ids[0]}`, { token: seller.token })).status, 204);
      assert.equal((await create(seller, logoOffer())).status, 201);
    });

    it('lifts the 20 offers once the seller is Advanced by their completed orders (K-33, K-39), and lets them make individual offers', async () => {
      const seller = await signUp(call, 'advancing');
      const buyer = await signUp(call, 'advancing_buyer');
      const first = await draft(seller);
      // K-32: 11 orders completed on time make an Advanced seller.
      await finishOrders(database.db, historyFrom(), { buyer, offerId: first, outcomes: times('unrated', 11) });
      for (let i = 1; i < catalogRules.newbieMaxOffers; i++) await draft(seller);
      assert.equal((await create(seller, logoOffer())).status, 201, `the ${catalogRules.newbieMaxOffers + 1}st offer`);
      const profile = (await call('GET', `/users/${seller.login}`)).body.seller;
      assert.deepEqual([profile.level, profile.canMakeIndividualOffers], ['advanced', true]);
    });

    it('refuses a duplicate or near-duplicate of the seller’s own offer, but not another seller’s', async () => {
      const seller = await signUp(call, 'copier');
      const original = logoOffer();
      await draft(seller, original);
      const same = await create(seller, original);
      assert.equal(same.status, 422);
      assert.equal(same.body.error.code, 'duplicate_offer');
      const near = await create(seller, { ...original, title: `${original.title}!` });
      assert.equal(near.status, 422);
      const other = await signUp(call, 'other');
      assert.equal((await create(other, original)).status, 201);
    });
  });

  describe('moderation and statuses', () => {
    it('publishes an approved submission; the public sees only active offers', async () => {
      const seller = await signUp(call, 'publisher');
      const id = await draft(seller);
      assert.equal((await publicPage(id)).status, 404, 'a draft is not public');
      const submitted = await submit(seller, id);
      assert.equal(submitted.body.status, 'in_moderation');
      const queue = (await call('GET', '/moderation/queue', { token: (await signIn(call, moderator)).token })).body.items;
      assert.ok(queue.some((s: { offerId: number }) => s.offerId === id));
      assert.equal((await call('GET', '/moderation/queue', { token: seller.token })).status, 403);

      const approved = await decide(id, { decision: 'approve' });
      assert.equal(approved.status, 200);
      assert.equal(approved.body.status, 'approved');
      const page = await publicPage(id);
      assert.equal(page.status, 200);
      assert.equal(page.body.status, 'active');
      assert.equal(page.body.sellerEarningsCents, 800, 'a $10 kwork pays the seller $8');
      assert.equal(page.body.seller.level, 'newbie');
      assert.equal(page.body.options[0].title, 'Express delivery');
      assert.equal((await decide(id, { decision: 'approve' })).status, 404, 'nothing awaits moderation any more');
    });

    it('is not decided by its own seller, a moderator too (403, still in moderation): another moderator decides it', async () => {
      const seller = await signUp(call, 'mod_seller');
      await createAccounts({ db: database.db, clock: systemClock }).grantRole(seller.id, 'moderator');
      const id = await draft(await signIn(call, seller));
      await submit(seller, id);
      const own = await decide(id, { decision: 'approve' }, seller);
      assert.equal(own.status, 403);
      assert.match(own.body.error.message, /another moderator/);
      assert.equal((await call('GET', `/offers/${id}`, { token: seller.token })).body.status, 'in_moderation');
      assert.equal((await decide(id, { decision: 'approve' })).status, 200);
      assert.equal((await publicPage(id)).body.status, 'active');
    });

    it('rejects with a prohibited-topic reason the seller sees; edited and resubmitted, it is approved', async () => {
      const seller = await signUp(call, 'rejected');
      const id = await draft(seller);
      await submit(seller, id);
      assert.equal((await decide(id, { decision: 'reject' })).status, 400, 'a rejection needs a reason');
      assert.equal((await decide(id, { decision: 'reject', reason: 'astrology', note: 'horoscope logos' })).status, 200);
      const mine = (await call('GET', `/offers/${id}`, { token: seller.token })).body;
      assert.equal(mine.status, 'rejected');
      assert.match(mine.statusReason, /astrology/);
      assert.equal((await publicPage(id)).status, 404);

      const fixed = logoOffer();
      assert.equal((await call('PUT', `/offers/${id}`, { token: seller.token, body: fixed })).status, 200);
      assert.equal((await submit(seller, id)).status, 200);
      assert.equal((await decide(id, { decision: 'approve' })).status, 200);
      assert.equal((await publicPage(id)).body.title, fixed.title);
    });

    it('keeps the published version visible while an edit is in moderation', async () => {
      const seller = await signUp(call, 'editor');
      const original = logoOffer();
      const id = await publish(seller, original);
      const edit = logoOffer();
      const res = await call('PUT', `/offers/${id}`, { token: seller.token, body: edit });
      assert.equal(res.status, 200);
      assert.equal(res.body.pendingContent.title, edit.title);
      assert.equal((await publicPage(id)).body.title, original.title);
      assert.equal((await publicPage(id)).body.pendingContent, null, 'buyers never see a pending edit');
      assert.equal((await call('PUT', `/offers/${id}`, { token: seller.token, body: logoOffer() })).status, 409, 'one edit in moderation at a time');
      assert.equal((await decide(id, { decision: 'approve' })).status, 200);
      const page = (await publicPage(id)).body;
      assert.equal(page.title, edit.title);
      assert.equal(page.pendingContent, null);
    });

    it('pauses and resumes an active offer, and answers actions in the wrong status with 409 and the status', async () => {
      const seller = await signUp(call, 'pauser');
      const id = await publish(seller);
      assert.equal((await call('POST', `/offers/${id}/pause`, { token: seller.token })).body.status, 'paused');
      assert.equal((await publicPage(id)).status, 404);
      const again = await call('POST', `/offers/${id}/pause`, { token: seller.token });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.details.status, 'paused');
      assert.equal((await submit(seller, id)).status, 409);
      assert.equal((await call('POST', `/offers/${id}/resume`, { token: seller.token })).body.status, 'active');
      assert.equal((await publicPage(id)).status, 200);
    });

    it('answers another seller’s offer with 404 for every seller action', async () => {
      const owner = await signUp(call, 'holder');
      const stranger = await signUp(call, 'meddler');
      const id = await publish(owner);
      for (const [method, path, body] of [
        ['PUT', `/offers/${id}`, logoOffer()],
        ['POST', `/offers/${id}/submit`, undefined],
        ['POST', `/offers/${id}/pause`, undefined],
        ['DELETE', `/offers/${id}`, undefined],
      ] as const) {
        assert.equal((await call(method, path, { token: stranger.token, body })).status, 404, `${method} ${path}`);
      }
      assert.equal((await publicPage(id)).body.status, 'active', 'unchanged');
    });

    it(`allows ${catalogRules.maxInModerationWithoutActive} offers in moderation without an active offer, ${catalogRules.maxInModerationWithoutOrders} with one but no orders`, async () => {
      const seller = await signUp(call, 'eager');
      const ids: number[] = [];
      for (let i = 0; i < 9; i++) ids.push(await draft(seller));
      for (const id of ids.slice(0, 3)) assert.equal((await submit(seller, id)).status, 200);
      const fourth = await submit(seller, ids[3]!);
      assert.equal(fourth.status, 422);
      assert.deepEqual(fourth.body.error.details, { rule: 'in_moderation', limit: 3 });
      assert.equal((await call('GET', `/offers/${ids[3]}`, { token: seller.token })).body.status, 'draft', 'nothing changed');

      assert.equal((await decide(ids[0]!, { decision: 'approve' })).status, 200); // now one active offer, no orders
      for (const id of ids.slice(3, 8)) assert.equal((await submit(seller, id)).status, 200); // 2 + 5 = 7 waiting
      const eighth = await submit(seller, ids[8]!);
      assert.equal(eighth.status, 422);
      assert.deepEqual(eighth.body.error.details, { rule: 'in_moderation', limit: 7 });
    });

    it('lets an admin block an active offer for a prohibited topic', async () => {
      const seller = await signUp(call, 'gambler');
      const id = await publish(seller);
      assert.equal((await call('POST', `/admin/offers/${id}/block`, { token: (await signIn(call, moderator)).token, body: { reason: 'gambling' } })).status, 403);
      const blocked = await call('POST', `/admin/offers/${id}/block`, { token: (await signIn(call, admin)).token, body: { reason: 'gambling' } });
      assert.equal(blocked.status, 200);
      assert.deepEqual([blocked.body.status, blocked.body.statusReason], ['blocked', 'gambling']);
      assert.equal((await publicPage(id)).status, 404);
      assert.equal((await call('POST', `/offers/${id}/resume`, { token: seller.token })).status, 409);
    });
  });

  describe('hiding on weekends', () => {
    it('hides offers from Friday 00:00 to Monday 00:00 in each seller’s own time zone', async () => {
      const london = await signUp(call, 'utc_seller');
      const tokyo = await signUp(call, 'tokyo_seller');
      const inUtc = await publish(london);
      const inTokyo = await publish(tokyo);
      for (const [user, timeZone] of [[london, 'UTC'], [tokyo, 'Asia/Tokyo']] as const) {
        const res = await call('PATCH', '/me/profile', { token: user.token, body: { timeZone, hideOnWeekends: true } });
        assert.equal(res.status, 200);
        assert.equal(res.body.timeZone, timeZone);
      }
      const visibleAt = async (iso: string) => {
        clock.advance(new Date(iso).getTime() - clock.now().getTime());
        return [(await publicPage(inUtc)).status === 200, (await publicPage(inTokyo)).status === 200];
      };
      // Tokyo is 9 hours ahead of UTC.
      assert.deepEqual(await visibleAt('2026-11-26T14:59:00Z'), [true, true]); // Thu 14:59 UTC = Thu 23:59 Tokyo
      assert.deepEqual(await visibleAt('2026-11-26T15:00:00Z'), [true, false]); // Fri 00:00 Tokyo
      assert.deepEqual(await visibleAt('2026-11-26T23:59:00Z'), [true, false]); // Thu 23:59 UTC
      assert.deepEqual(await visibleAt('2026-11-27T00:00:00Z'), [false, false]); // Fri 00:00 UTC
      assert.deepEqual(await visibleAt('2026-11-29T14:59:00Z'), [false, false]); // Sun 23:59 Tokyo
      assert.deepEqual(await visibleAt('2026-11-29T15:00:00Z'), [false, true]); // Mon 00:00 Tokyo
      assert.deepEqual(await visibleAt('2026-11-29T23:59:00Z'), [false, true]); // Sun 23:59 UTC
      assert.deepEqual(await visibleAt('2026-11-30T00:00:00Z'), [true, true]); // Mon 00:00 UTC
      // A name the time zone database does not know: the schema takes any name, the rule refuses it (422, naming it); an empty one is malformed (400).
      const mars = await call('PATCH', '/me/profile', { token: london.token, body: { timeZone: 'Mars/Olympus' } });
      assert.deepEqual([mars.status, mars.body.error.details.fields[0].path], [422, 'body.timeZone']);
      assert.equal((await call('PATCH', '/me/profile', { token: london.token, body: { timeZone: '' } })).status, 400);
      // A zone under its old name (Node's ICU lists `Asia/Calcutta`) is stored, and answered, by its current one.
      const renamed = await call('PATCH', '/me/profile', { token: london.token, body: { timeZone: 'Asia/Calcutta' } });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.timeZone, 'Asia/Kolkata');
      assert.equal((await call('GET', '/me', { token: london.token })).body.timeZone, 'Asia/Kolkata');
    });
  });

  describe('the cart', () => {
    it('keeps a line 14 days, priced from the offer: units and options, or one package', async () => {
      const seller = await signUp(call, 'cart_seller');
      const buyer = await signUp(call, 'cart_buyer');
      const id = await publish(seller, logoOffer({ packages: { business: { priceCents: 5_000, leadTimeDays: 7, includes: ['5 concepts'] } } }));
      const offer = (await publicPage(id)).body;
      const start = clock.now().getTime();
      const cart = await call('POST', '/me/cart', { token: buyer.token, body: { offerId: id, units: 2, optionIds: [offer.options[0].id] } });
      assert.equal(cart.status, 200, JSON.stringify(cart.body));
      assert.equal(cart.body.items[0].totalCents, 2 * 1_000 + 500);
      assert.equal(cart.body.items[0].expiresAt, new Date(start + catalogRules.cartItemTtlMs).toISOString());
      const pkg = await call('POST', '/me/cart', { token: buyer.token, body: { offerId: id, packageTier: 'business' } });
      assert.equal(pkg.body.items.length, 1, 'one line per offer: the newer choice replaces it');
      assert.equal(pkg.body.totalCents, 5_000);
      assert.equal((await call('POST', '/me/cart', { token: buyer.token, body: { offerId: id, packageTier: 'economy' } })).status, 400);
      assert.equal((await call('POST', '/me/cart', { token: buyer.token, body: { offerId: id, optionIds: [99] } })).status, 400);
      assert.equal((await call('POST', '/me/cart', { token: (await signIn(call, seller)).token, body: { offerId: id } })).status, 409, 'not your own offer');

      clock.advance(catalogRules.cartItemTtlMs - MINUTE);
      const fresh = await signIn(call, buyer);
      assert.equal((await call('GET', '/me/cart', { token: fresh.token })).body.items.length, 1);
      clock.advance(2 * MINUTE);
      assert.equal((await call('GET', '/me/cart', { token: fresh.token })).body.items.length, 0, 'lapsed after 14 days');
      assert.ok(clock.now().getTime() - start > 14 * DAY);
    });

    it('answers removing another buyer’s line with 404', async () => {
      const seller = await signUp(call, 'cart_seller2');
      const buyer = await signUp(call, 'cart_buyer2');
      const stranger = await signUp(call, 'cart_stranger');
      const id = await publish(seller);
      const line = (await call('POST', '/me/cart', { token: buyer.token, body: { offerId: id } })).body.items[0];
      assert.equal((await call('DELETE', `/me/cart/${line.id}`, { token: stranger.token })).status, 404);
      assert.equal((await call('DELETE', `/me/cart/${line.id}`, { token: buyer.token })).status, 204);
      assert.equal((await call('GET', '/me/cart', { token: buyer.token })).body.items.length, 0);
    });
  });
});
