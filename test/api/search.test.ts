/**
 * The catalog as buyers find it, through the real API: offer search (every filter, every sort,
 * Top Rated first, keyset pages), weekend hiding at the edges of the weekend in three time
 * zones, favorites, sellers by login, the category tree, and bad input. Offers are written
 * straight into the database, as moderation would have left them; a seller's level, rating and
 * feedback count, and an offer's Top Rated, are earned from finished orders and feedback that
 * the product's reputation computes them from (`test/support/reputation.ts`), never set by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { offers } from '../../db/schema/catalog.js';
import { users } from '../../db/schema/users.js';
import { FEW_SELLERS } from '../../services/search.js';
import { hiddenForWeekend, visibleOfferSql } from '../../services/visibility.js';
import { DAY, HOUR, MINUTE } from '../../workflows/lib/time.js';
import { callerFor, manualClock, signUp, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';
import { weekendCases } from '../support/weekend.js';
import { earnStanding, earnTopRated, finishOrders, historyFrom, times } from '../support/reputation.js';

const DESIGN = 1;
const LOGOS = 11;
const BANNERS = 12;
const WEB_DESIGN = 13;
const TURNKEY_SITE = 21;
const BUG_FIXES = 22;

// A Monday morning: no seller's weekend anywhere.
const MONDAY = new Date('2026-11-02T10:00:00Z');

interface SellerSpec {
  login?: string;
  level?: 'newbie' | 'advanced' | 'professional';
  ratingPercent?: number | null;
  feedbackCount?: number;
  lastActiveAt?: Date;
  /** No seller_stats row at all. */
  noStats?: boolean;
  timeZone?: string;
  hideOnWeekends?: boolean;
  confirmed?: boolean;
  blocked?: boolean;
}

interface OfferSpec {
  seller: number;
  title: string;
  description?: string;
  categoryId?: number;
  priceCents?: number;
  leadTimeDays?: number;
  attributes?: Record<string, string | string[]>;
  topRated?: boolean;
  status?: string;
  publishedAt?: Date;
}

describe('catalog search, favorites, sellers and categories', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  const clock = manualClock(MONDAY);
  let serial = 0;
  /** Who bought the orders sellers earn their standing with. */
  let patron: { id: number; login: string };

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, clock }));
    const [row] = await database.db.sql<{ id: string }[]>`
      insert into users (login, email, email_confirmed_at) values ('srch_patron', 'srch_patron@example.com', now()) returning id`;
    patron = { id: Number(row!.id), login: 'srch_patron' };
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  /** Moves the app's clock to `at`. */
  const setClock = (at: Date) => clock.advance(at.getTime() - clock.now().getTime());

  // Dates go to postgres.js as ISO strings: drizzle's client passes timestamps through untouched.
  const iso = (at: Date | undefined | null) => at?.toISOString() ?? null;

  async function seller(spec: SellerSpec = {}): Promise<number> {
    const login = spec.login ?? `srch_${process.pid}_${++serial}`;
    const [row] = await database.db.sql<{ id: string }[]>`
      insert into users (login, email, email_confirmed_at, time_zone, hide_on_weekends, blocked_at)
      values (${login}, ${`${login}@example.com`}, ${spec.confirmed === false ? null : iso(MONDAY)}, ${spec.timeZone ?? 'UTC'},
        ${spec.hideOnWeekends ?? false}, ${spec.blocked ? iso(MONDAY) : null})
      returning id`;
    const id = Number(row!.id);
    if (!spec.noStats) {
      // Activity is what the seller's signed-in requests record; the standing is earned below.
      await database.db.sql`insert into seller_stats (user_id, last_active_at) values (${id}, ${iso(spec.lastActiveAt)})`;
      await earnStanding(database.db, [id], patron.id, { level: spec.level, ratingPercent: spec.ratingPercent ?? null, feedbackCount: spec.feedbackCount ?? 0 });
    }
    return id;
  }

  async function offer(spec: OfferSpec): Promise<number> {
    const [row] = await database.db.sql<{ id: string }[]>`
      insert into offers (seller_id, category_id, title, description, price_cents, lead_time_days, attributes, status, published_at)
      values (${spec.seller}, ${spec.categoryId ?? LOGOS}, ${spec.title},
        ${spec.description ?? 'A plain description of the work, long enough to read like a real offer in the catalog.'},
        ${spec.priceCents ?? 1_000}, ${spec.leadTimeDays ?? 3}, ${JSON.stringify(spec.attributes ?? {})}::jsonb,
        ${spec.status ?? 'active'}, ${iso(spec.publishedAt ?? new Date(MONDAY.getTime() - ++serial * HOUR))})
      returning id`;
    const id = Number(row!.id);
    // K-29: 20 liked orders on it, on time, nothing against it.
    if (spec.topRated) await earnTopRated(database.db, id, patron.id);
    return id;
  }

  /** The ids of one page of `GET /offers?<query>`. */
  async function ids(query: string): Promise<number[]> {
    const res = await call('GET', `/offers?${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items.map((item: { id: number }) => item.id);
  }

  /** Every page of a search, `limit` at a time, following `nextCursor` (at most 50 pages). */
  async function allPages(query: string, limit: number): Promise<number[][]> {
    const pages: number[][] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++) {
      const res = await call('GET', `/offers?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      pages.push(res.body.items.map((item: { id: number }) => item.id));
      cursor = res.body.nextCursor;
      if (!cursor) return pages;
    }
    throw new Error(`more than 50 pages for ${query}`);
  }

  describe('keywords and relevance', () => {
    it('finds offers by a keyword in the title or the description, stemmed, title matches first', async () => {
      const s = await seller();
      const inDescription = await offer({ seller: s, title: 'Brand identity package', description: 'Includes a quillwort emblem drawn by hand for your shop.' });
      const inTitle = await offer({ seller: s, title: 'Quillwort emblems for startups' });
      await offer({ seller: s, title: 'Something else entirely', description: 'Nothing about that plant here at all, just regular words.' });
      assert.deepEqual(await ids('q=quillworts'), [inTitle, inDescription]);
      assert.deepEqual(await ids('q=quillwort emblem&sort=relevance'), [inTitle, inDescription]);
    });

    it('understands web-search syntax: a phrase, or, and an excluded word', async () => {
      const s = await seller();
      const redFox = await offer({ seller: s, title: 'Zephyrine red fox mascot' });
      const foxRed = await offer({ seller: s, title: 'Zephyrine fox in red' });
      const blueOwl = await offer({ seller: s, title: 'Zephyrine blue owl mascot' });
      assert.deepEqual(new Set(await ids(`q=${encodeURIComponent('zephyrine "red fox"')}`)), new Set([redFox]));
      assert.deepEqual(new Set(await ids(`q=${encodeURIComponent('zephyrine fox or owl')}`)), new Set([redFox, foxRed, blueOwl]));
      assert.deepEqual(new Set(await ids(`q=${encodeURIComponent('zephyrine -red')}`)), new Set([blueOwl]));
    });

    it('puts Top Rated offers first, even a weaker match', async () => {
      const s = await seller();
      const strong = await offer({ seller: s, title: 'Marmoset logo, marmoset style', description: 'Marmoset marmoset marmoset drawings of all kinds for you.' });
      const weakTopRated = await offer({ seller: s, title: 'Animal drawings', description: 'Any animal you like, a marmoset too, drawn in vector.', topRated: true });
      assert.deepEqual(await ids('q=marmoset'), [weakTopRated, strong]);
    });

    it('answers an empty keyword like no keyword: the newest offers', async () => {
      const s = await seller();
      const older = await offer({ seller: s, title: 'Emptyq older offer', priceCents: 771_111, publishedAt: new Date('2026-10-01T00:00:00Z') });
      const newer = await offer({ seller: s, title: 'Emptyq newer offer', priceCents: 771_111, publishedAt: new Date('2026-10-02T00:00:00Z') });
      assert.deepEqual(await ids('q=&minPriceCents=771111&maxPriceCents=771111'), [newer, older]);
    });
  });

  describe('filters', () => {
    // One set of offers for every filter, all with the keyword "glyphcraft".
    const o: Record<string, number> = {};
    let pro: number;
    before(async () => {
      pro = await seller({ level: 'professional', ratingPercent: 98, feedbackCount: 120, lastActiveAt: new Date(MONDAY.getTime() - HOUR) });
      // K-32: under 10 % bad orders, so an Advanced seller's K-27 rating is at least 90.
      const advanced = await seller({ level: 'advanced', ratingPercent: 90, feedbackCount: 12, lastActiveAt: new Date(MONDAY.getTime() - 5 * DAY) });
      const unrated = await seller({ level: 'newbie', ratingPercent: null, feedbackCount: 0, lastActiveAt: new Date(MONDAY.getTime() - 40 * DAY) });
      const noStats = await seller({ noStats: true });
      o.logoPro = await offer({ seller: pro, title: 'Glyphcraft logo', categoryId: LOGOS, priceCents: 1_000, leadTimeDays: 1, attributes: { style: ['minimalist', 'mascot'] } });
      o.logoAdvanced = await offer({ seller: advanced, title: 'Glyphcraft emblem', categoryId: LOGOS, priceCents: 2_500, leadTimeDays: 3, attributes: { style: 'emblem' } });
      o.banner = await offer({ seller: unrated, title: 'Glyphcraft banner', categoryId: BANNERS, priceCents: 5_000, leadTimeDays: 7, attributes: { format: ['web', 'social'] } });
      o.webDesign = await offer({ seller: noStats, title: 'Glyphcraft landing', categoryId: WEB_DESIGN, priceCents: 20_000, leadTimeDays: 10, attributes: { page_type: 'landing' } });
      o.site = await offer({ seller: pro, title: 'Glyphcraft site', categoryId: TURNKEY_SITE, priceCents: 30_000, leadTimeDays: 14, attributes: { service_type: 'landing', cms: ['wordpress', 'tilda'] } });
      o.bugfix = await offer({ seller: advanced, title: 'Glyphcraft bug fix', categoryId: BUG_FIXES, priceCents: 1_500, leadTimeDays: 2, attributes: { stack: ['php', 'wordpress'] } });
      // Never found, whatever the filters: not active.
      for (const status of ['draft', 'in_moderation', 'rejected', 'paused', 'blocked', 'archived']) {
        await offer({ seller: pro, title: `Glyphcraft ${status} logo`, categoryId: LOGOS, status, attributes: { style: 'minimalist' } });
      }
    });

    const cases: [string, string, string[]][] = [
      ['no filter', '', ['logoPro', 'logoAdvanced', 'banner', 'webDesign', 'site', 'bugfix']],
      ['a leaf category', `categoryId=${LOGOS}`, ['logoPro', 'logoAdvanced']],
      ['a parent category, for all its children', `categoryId=${DESIGN}`, ['logoPro', 'logoAdvanced', 'banner', 'webDesign']],
      ['an attribute stored in a list', 'attr=style:mascot', ['logoPro']],
      ['an attribute stored alone', 'attr=style:emblem', ['logoAdvanced']],
      ['either of two values of one attribute', 'attr=style:mascot&attr=style:emblem', ['logoPro', 'logoAdvanced']],
      ['one value across categories and forms', 'attr=page_type:landing&attr=service_type:landing', []],
      ['two attributes together', 'attr=service_type:landing&attr=cms:tilda', ['site']],
      ['an attribute value no offer has', 'attr=cms:bitrix', []],
      ['a value under another key', 'attr=cms:wordpress', ['site']],
      ['a lowest price, inclusive', 'minPriceCents=5000', ['banner', 'webDesign', 'site']],
      ['a highest price, inclusive', 'maxPriceCents=2500', ['logoPro', 'logoAdvanced', 'bugfix']],
      ['a price range', 'minPriceCents=1500&maxPriceCents=5000', ['logoAdvanced', 'banner', 'bugfix']],
      ['a longest lead time, inclusive', 'maxLeadTimeDays=3', ['logoPro', 'logoAdvanced', 'bugfix']],
      ['a seller level', 'sellerLevel=advanced', ['logoAdvanced', 'bugfix']],
      ['newbies, counting sellers without stats', 'sellerLevel=newbie', ['banner', 'webDesign']],
      ['either of two levels', 'sellerLevel=professional&sellerLevel=advanced', ['logoPro', 'logoAdvanced', 'site', 'bugfix']],
      ['a lowest seller rating, leaving unrated sellers out', 'minSellerRating=85', ['logoPro', 'logoAdvanced', 'site', 'bugfix']],
      ['a higher seller rating', 'minSellerRating=91', ['logoPro', 'site']],
      ['a rating of 0, still leaving unrated sellers out', 'minSellerRating=0', ['logoPro', 'logoAdvanced', 'site', 'bugfix']],
      ['a least feedback count', 'minFeedbacks=12', ['logoPro', 'logoAdvanced', 'site', 'bugfix']],
      ['a higher feedback count', 'minFeedbacks=13', ['logoPro', 'site']],
      ['sellers active this week', 'activeWithinDays=7', ['logoPro', 'logoAdvanced', 'site', 'bugfix']],
      ['sellers active today', 'activeWithinDays=1', ['logoPro', 'site']],
      ['everything at once', `categoryId=${DESIGN}&attr=style:minimalist&maxPriceCents=1000&maxLeadTimeDays=1&sellerLevel=professional&minSellerRating=95&minFeedbacks=100&activeWithinDays=1`, ['logoPro']],
    ];
    const checkCases = (suffix: string) => {
      for (const [what, query, expected] of cases) {
        it(`filters by ${what}${suffix}`, async () => {
          const found = await ids(`q=glyphcraft&limit=50${query ? `&${query}` : ''}`);
          assert.deepEqual(new Set(found), new Set(expected.map((name) => o[name])), `${query}: ${JSON.stringify(found)}`);
          assert.equal(found.length, expected.length, 'no offer twice');
        });
      }
    };
    checkCases('');

    // Past FEW_SELLERS sellers meeting the seller conditions, a search for sellers active lately
    // reads its keyword matches and tests their sellers instead of looking their offers up by
    // seller; the other seller conditions are always tested on the offers: same answers.
    describe('with many sellers meeting the seller conditions', () => {
      before(async () => {
        // Every order liked: 50 completed make an Advanced seller, 100 a Professional one.
        for (const [level, feedbackCount] of [['advanced', 50], ['professional', 100]] as const) {
          const added = await database.db.sql<{ id: string }[]>`
            with added as (
              insert into users (login, email, email_confirmed_at)
              select ${`many_${level}_`} || n, ${`many_${level}_`} || n || '@example.com', now() from generate_series(1, ${FEW_SELLERS + 10}) n
              returning id)
            insert into seller_stats (user_id, last_active_at) select id, ${iso(MONDAY)} from added returning user_id as id`;
          await earnStanding(database.db, added.map((r) => Number(r.id)), patron.id, { level, ratingPercent: 100, feedbackCount });
        }
      });
      checkCases(', with many such sellers');
    });

    it('describes each offer with its category, seller, price, lead time and an excerpt', async () => {
      const res = await call('GET', `/offers?q=glyphcraft&categoryId=${LOGOS}&attr=style:mascot`);
      const [item] = res.body.items;
      assert.deepEqual(
        { ...item, seller: { ...item.seller, login: undefined } },
        {
          id: o.logoPro,
          title: 'Glyphcraft logo',
          excerpt: 'A plain description of the work, long enough to read like a real offer in the catalog.',
          priceCents: 1_000,
          leadTimeDays: 1,
          topRated: false,
          category: { id: LOGOS, name: 'Logos' },
          seller: { id: pro, login: undefined, level: 'professional', ratingPercent: 98, feedbackCount: 120 },
        },
      );
      assert.match(item.seller.login, /^srch_/);
      assert.equal(res.body.nextCursor, null);
      const noStats = (await call('GET', `/offers?q=glyphcraft&categoryId=${WEB_DESIGN}`)).body.items[0];
      assert.deepEqual({ level: noStats.seller.level, ratingPercent: noStats.seller.ratingPercent, feedbackCount: noStats.seller.feedbackCount }, {
        level: 'newbie',
        ratingPercent: null,
        feedbackCount: 0,
      });
    });

    it('cuts a long description to an excerpt at a word', async () => {
      const s = await seller();
      const long = `Longexcerpt ${'wordy '.repeat(80)}end`;
      await offer({ seller: s, title: 'Longexcerpt offer', description: long });
      const [item] = (await call('GET', '/offers?q=longexcerpt')).body.items;
      assert.ok(item.excerpt.length <= 161, item.excerpt);
      assert.match(item.excerpt, /^Longexcerpt (wordy )+wordy…$/);
    });
  });

  describe('sorts', () => {
    // Prices, ratings and publication times that order differently under each sort; the Top
    // Rated offer would come last in every sort without its rank.
    const o: Record<string, number> = {};
    before(async () => {
      const high = await seller({ ratingPercent: 99, feedbackCount: 10 });
      const highMore = await seller({ ratingPercent: 99, feedbackCount: 50 });
      const low = await seller({ ratingPercent: 70, feedbackCount: 500 });
      const unrated = await seller({ noStats: true });
      // Earning Top Rated takes 20 liked orders, which rate their seller: the topper's seller is one of its own.
      const topper = await seller({ noStats: true });
      const at = (day: number) => new Date(Date.UTC(2026, 9, day));
      // Bravo is older than alpha: the rating sort must order them by feedback count, not by id.
      o.b = await offer({ seller: highMore, title: 'Sortwell bravo', priceCents: 1_000, publishedAt: at(1) });
      o.a = await offer({ seller: high, title: 'Sortwell alpha', priceCents: 3_000, publishedAt: at(3) });
      o.c = await offer({ seller: low, title: 'Sortwell charlie', priceCents: 2_000, publishedAt: at(4) });
      o.d = await offer({ seller: unrated, title: 'Sortwell delta', priceCents: 2_000, publishedAt: at(2) });
      o.top = await offer({ seller: topper, title: 'Sortwell topper', priceCents: 9_000, publishedAt: at(1), topRated: true });
    });

    const orders: [string, string[]][] = [
      ['rating', ['top', 'b', 'a', 'c', 'd']],
      ['price_asc', ['top', 'b', 'c', 'd', 'a']],
      ['price_desc', ['top', 'a', 'd', 'c', 'b']],
      ['newest', ['top', 'c', 'a', 'd', 'b']],
    ];
    for (const [sort, expected] of orders) {
      it(`sorts by ${sort}, Top Rated first, ties broken by offer id`, async () => {
        assert.deepEqual(await ids(`q=sortwell&sort=${sort}`), expected.map((name) => o[name]));
      });
    }

    it('sorts by newest without keywords', async () => {
      const found = (await allPages('', 50)).flat();
      const mine = found.filter((id) => Object.values(o).includes(id));
      assert.deepEqual(mine, ['top', 'c', 'a', 'd', 'b'].map((name) => o[name]));
    });
  });

  describe('a seller’s standing as it changes', () => {
    it('filters, sorts and describes offers by their seller’s level, rating and feedback count as their orders change them', async () => {
      const rising = await seller({ noStats: true });
      const steady = await seller({ level: 'advanced', ratingPercent: 90, feedbackCount: 40 });
      const risingOffer = await offer({ seller: rising, title: 'Quokkacraft mural' });
      const steadyOffer = await offer({ seller: steady, title: 'Quokkacraft poster' });
      const standing = async () => {
        const items: { id: number; seller: Record<string, unknown> }[] = (await call('GET', '/offers?q=quokkacraft')).body.items;
        const { level, ratingPercent, feedbackCount } = items.find((item) => item.id === risingOffer)!.seller;
        return { level, ratingPercent, feedbackCount };
      };
      assert.deepEqual(await ids('q=quokkacraft&sort=rating'), [steadyOffer, risingOffer]);
      assert.deepEqual(await ids('q=quokkacraft&sellerLevel=newbie'), [risingOffer]);

      // The seller's first finished orders, after their offer was listed: 11 liked ones (K-32: Advanced).
      const history = historyFrom();
      await finishOrders(database.db, history, { buyer: patron, offerId: risingOffer, outcomes: times('liked', 11) });
      assert.deepEqual(await standing(), { level: 'advanced', ratingPercent: 100, feedbackCount: 11 });
      assert.deepEqual(await ids('q=quokkacraft&sort=rating'), [risingOffer, steadyOffer]);
      assert.deepEqual(await ids('q=quokkacraft&minSellerRating=91'), [risingOffer]);
      assert.deepEqual(await ids('q=quokkacraft&sellerLevel=newbie'), []);

      // Two ignored orders: 2 bad of 13 (K-27: 84; K-32: back to Newbie).
      await finishOrders(database.db, history, { buyer: patron, offerId: risingOffer, outcomes: times('ignored', 2) });
      assert.deepEqual(await standing(), { level: 'newbie', ratingPercent: 84, feedbackCount: 11 });
      // The offer's copy follows seller_stats alone: writing it directly changes nothing.
      await database.db.sql`update offers set seller_rating_percent = 100, seller_level = 'professional' where id = ${risingOffer}`;
      assert.deepEqual(await standing(), { level: 'newbie', ratingPercent: 84, feedbackCount: 11 });
      assert.deepEqual(await ids('q=quokkacraft&sort=rating'), [steadyOffer, risingOffer]);
      assert.deepEqual(await ids('q=quokkacraft&minSellerRating=91'), []);
      assert.deepEqual(await ids('q=quokkacraft&sellerLevel=newbie&minFeedbacks=11'), [risingOffer]);

      // A seller's stats gone (no product path removes them; the 0008 trigger still answers for it).
      await database.db.sql`delete from seller_stats where user_id = ${rising}`;
      assert.deepEqual(await standing(), { level: 'newbie', ratingPercent: null, feedbackCount: 0 });
      assert.deepEqual(await ids('q=quokkacraft&sellerLevel=newbie'), [risingOffer]);
      assert.deepEqual(await ids('q=quokkacraft&sort=rating'), [steadyOffer, risingOffer]);
    });
  });

  describe('sellers active lately, as their signed-in requests record it (K-38)', () => {
    // Every write of a user's last activity, counted by a trigger of this file's database.
    before(async () => {
      await database.db.sql.unsafe(`
        create table activity_writes (user_id int8 not null, at timestamptz);
        create function count_activity_write() returns trigger language plpgsql as $$
        begin insert into activity_writes values (new.user_id, new.last_active_at); return null; end $$;
        create trigger count_activity_write after insert or update of last_active_at on seller_stats
          for each row execute function count_activity_write();`);
    });
    after(async () => {
      setClock(MONDAY);
      await database.db.sql.unsafe('drop trigger count_activity_write on seller_stats; drop function count_activity_write(); drop table activity_writes');
    });

    /** The user's recorded activity and how many times it was written. */
    async function activityOf(user: TestUser): Promise<{ at: string | null; writes: number }> {
      const [row] = await database.db.sql<{ at: string | null; writes: number }[]>`
        select (select to_json(last_active_at)#>>'{}' from seller_stats where user_id = ${user.id}) as at,
               (select count(*)::int from activity_writes where user_id = ${user.id}) as writes`;
      return { ...row!, at: row!.at === null ? null : new Date(row!.at).toISOString() };
    }
    /** A signed-in request of `user` at `at` (signing up and in makes none). */
    async function visit(user: TestUser, at: Date): Promise<void> {
      setClock(at);
      assert.equal((await call('GET', '/me', { token: user.token })).status, 200);
    }

    it('finds a seller whose signed-in request was recent under the active-sellers filter, not one long ago or never', async () => {
      setClock(new Date(MONDAY.getTime() - 10 * DAY));
      const [recent, longAgo, never] = [await signUp(call, 'act_recent'), await signUp(call, 'act_long_ago'), await signUp(call, 'act_never')];
      const offerOf = new Map<TestUser, number>();
      for (const user of [recent, longAgo, never]) offerOf.set(user, await offer({ seller: user.id, title: `Lumenwick lamp by ${user.login}` }));
      await visit(longAgo, new Date(MONDAY.getTime() - 10 * DAY));
      await visit(recent, new Date(MONDAY.getTime() - HOUR));
      setClock(MONDAY);
      assert.deepEqual(await activityOf(never), { at: null, writes: 0 }, 'signing up and in is no signed-in request');

      assert.deepEqual(await ids('q=lumenwick&activeWithinDays=7'), [offerOf.get(recent)]);
      assert.deepEqual(new Set(await ids('q=lumenwick&activeWithinDays=30')), new Set([offerOf.get(recent), offerOf.get(longAgo)]));
      assert.equal((await ids('q=lumenwick')).length, 3, 'without the filter, all three');
    });

    it('counts a seller active exactly N days ago as active within N days, and not one active a millisecond before', async () => {
      // No zone changes its clocks in the week before this Monday: 7 days are 7 × 24 h in the database's time zone, whichever it is.
      const now = new Date(MONDAY.getTime() + 14 * DAY);
      const days = 7;
      const edge = new Date(now.getTime() - days * DAY);
      setClock(new Date(edge.getTime() - DAY));
      const [onTime, justBefore] = [await signUp(call, 'act_on_edge'), await signUp(call, 'act_past_edge')];
      const onTimeOffer = await offer({ seller: onTime.id, title: 'Quorrelle quilt pattern' });
      const justBeforeOffer = await offer({ seller: justBefore.id, title: 'Quorrelle quilt cover' });
      await visit(justBefore, new Date(edge.getTime() - 1));
      await visit(onTime, edge);
      setClock(now);
      assert.deepEqual(await ids(`q=quorrelle&activeWithinDays=${days}`), [onTimeOffer]);
      assert.deepEqual(new Set(await ids(`q=quorrelle&activeWithinDays=${days + 1}`)), new Set([onTimeOffer, justBeforeOffer]));
    });

    it('writes a user’s activity at most once a minute, however many requests, at once or one after another', async () => {
      const t0 = MONDAY.getTime() + DAY;
      setClock(new Date(t0));
      const user = await signUp(call, 'act_busy');
      assert.deepEqual(await activityOf(user), { at: null, writes: 0 });

      await visit(user, new Date(t0));
      assert.deepEqual(await activityOf(user), { at: new Date(t0).toISOString(), writes: 1 }, 'the first request writes');
      await visit(user, new Date(t0 + 1_000));
      await visit(user, new Date(t0 + MINUTE - 1));
      assert.deepEqual(await activityOf(user), { at: new Date(t0).toISOString(), writes: 1 }, 'within the minute: no write');
      await visit(user, new Date(t0 + MINUTE));
      assert.deepEqual(await activityOf(user), { at: new Date(t0 + MINUTE).toISOString(), writes: 2 }, 'a minute on: written again');

      // Requests that arrive together once the minute is up: one of them writes.
      setClock(new Date(t0 + 3 * MINUTE));
      const together = await Promise.all(Array.from({ length: 8 }, () => call('GET', '/me', { token: user.token })));
      assert.deepEqual(together.map((r) => r.status), Array(8).fill(200));
      assert.deepEqual(await activityOf(user), { at: new Date(t0 + 3 * MINUTE).toISOString(), writes: 3 });

      // A blocked account's requests are refused, and are no activity.
      await database.db.sql`update users set blocked_at = now() where id = ${user.id}`;
      setClock(new Date(t0 + 10 * MINUTE));
      assert.equal((await call('GET', '/me', { token: user.token })).status, 403);
      assert.deepEqual(await activityOf(user), { at: new Date(t0 + 3 * MINUTE).toISOString(), writes: 3 });
    });
  });

  describe('pages', () => {
    // 23 offers with many equal prices, ranks and times, so page edges fall inside ties.
    const all: number[] = [];
    before(async () => {
      const sellers = [await seller({ ratingPercent: 90, feedbackCount: 5 }), await seller({ ratingPercent: 90, feedbackCount: 5 }), await seller({ noStats: true })];
      for (let i = 0; i < 23; i++) {
        all.push(
          await offer({
            seller: sellers[i % 3]!,
            title: i % 4 === 0 ? 'Pagewise pagewise offer' : 'Pagewise offer',
            priceCents: 1_000 * (1 + (i % 3)),
            topRated: i % 7 === 0,
            publishedAt: new Date(Date.UTC(2026, 9, 1 + (i % 5))),
          }),
        );
      }
    });

    for (const sort of ['relevance', 'rating', 'price_asc', 'price_desc', 'newest']) {
      for (const limit of [1, 4, 7]) {
        it(`pages through every match by ${sort}, ${limit} at a time, without a gap or a repeat`, async () => {
          const whole = await ids(`q=pagewise&sort=${sort}&limit=50`);
          assert.deepEqual(new Set(whole), new Set(all));
          const pages = await allPages(`q=pagewise&sort=${sort}`, limit);
          assert.deepEqual(pages.flat(), whole);
          assert.ok(pages.slice(0, -1).every((page) => page.length === limit));
          assert.equal(pages.length, Math.ceil(all.length / limit));
        });
      }
    }

    it('ends with a null cursor on a page that is exactly full', async () => {
      const res = await call('GET', `/offers?q=pagewise&limit=${all.length}`);
      assert.equal(res.body.items.length, all.length);
      assert.equal(res.body.nextCursor, null);
    });
  });

  describe('browsing a parent category without keywords', () => {
    // Audio and video: its two children hold these offers and no other test's.
    const AUDIO_VIDEO = 5;
    const made: { id: number; priceCents: number; topRated: boolean; publishedAt: number; rated: boolean }[] = [];
    before(async () => {
      const rated = await seller({ ratingPercent: 95, feedbackCount: 40 });
      const unrated = await seller({ noStats: true });
      for (let i = 0; i < 17; i++) {
        const spec = {
          priceCents: 1_000 + 500 * (i % 4),
          topRated: i % 6 === 0,
          publishedAt: new Date(Date.UTC(2026, 8, 1 + (i % 9))),
          rated: i % 2 === 0,
        };
        const id = await offer({ ...spec, seller: spec.rated ? rated : unrated, title: `Browsable offer ${i}`, categoryId: i % 3 === 0 ? 51 : 52 });
        made.push({ ...spec, id, publishedAt: spec.publishedAt.getTime() });
      }
    });
    const inOrder = (compare: (a: (typeof made)[number], b: (typeof made)[number]) => number) =>
      [...made].sort((a, b) => Number(b.topRated) - Number(a.topRated) || compare(a, b)).map((o) => o.id);
    const expected: Record<string, () => number[]> = {
      newest: () => inOrder((a, b) => b.publishedAt - a.publishedAt || b.id - a.id),
      price_asc: () => inOrder((a, b) => a.priceCents - b.priceCents || a.id - b.id),
      price_desc: () => inOrder((a, b) => b.priceCents - a.priceCents || b.id - a.id),
      rating: () => inOrder((a, b) => Number(b.rated) - Number(a.rated) || b.id - a.id),
    };

    for (const [sort, order] of Object.entries(expected)) {
      it(`lists the children's offers by ${sort}, Top Rated first, 5 to a page without a gap or a repeat`, async () => {
        assert.deepEqual(await ids(`categoryId=${AUDIO_VIDEO}&sort=${sort}&limit=50`), order());
        assert.deepEqual((await allPages(`categoryId=${AUDIO_VIDEO}&sort=${sort}`, 5)).flat(), order());
      });
    }

    it('applies seller conditions while browsing', async () => {
      const found = (await allPages(`categoryId=${AUDIO_VIDEO}&minSellerRating=90`, 4)).flat();
      assert.deepEqual(found, made.filter((o) => o.rated).sort((a, b) => Number(b.topRated) - Number(a.topRated) || b.publishedAt - a.publishedAt || b.id - a.id).map((o) => o.id));
    });
  });

  describe('weekend hiding', () => {
    it('computes in SQL exactly what hiddenForWeekend computes, at every edge of the weekend', async () => {
      const dialect = new PgDialect();
      for (const c of weekendCases) {
        const s = await seller({ timeZone: c.timeZone, hideOnWeekends: true });
        const id = await offer({ seller: s, title: 'Edge check offer' });
        const query = dialect.sqlToQuery(
          sql`select ${visibleOfferSql(c.at)} as visible from ${offers} join ${users} on ${users.id} = ${offers.sellerId} where ${offers.id} = ${id}`,
        );
        const [row] = await database.db.sql.unsafe<{ visible: boolean }[]>(query.sql, query.params as never[]);
        assert.equal(row!.visible, !hiddenForWeekend(c.at, c.timeZone, true), `${c.local} in ${c.timeZone}`);
        assert.equal(row!.visible, !c.hidden, `${c.local} in ${c.timeZone}`);
      }
    });

    it('hides a seller’s offers from Friday 00:00 to Monday 00:00 in the seller’s zone, in search and favorites alike', async () => {
      const buyer = await signUp(call, 'weekender');
      const bySeller = new Map<string, number>();
      for (const timeZone of new Set(weekendCases.map((c) => c.timeZone))) {
        const s = await seller({ timeZone, hideOnWeekends: true });
        bySeller.set(timeZone, await offer({ seller: s, title: `Weekendly offer in ${timeZone}` }));
      }
      const always = await offer({ seller: await seller({ timeZone: 'Asia/Tokyo', hideOnWeekends: false }), title: 'Weekendly offer always open' });
      setClock(MONDAY);
      for (const id of [...bySeller.values(), always]) assert.equal((await call('PUT', `/me/favorites/${id}`, { token: buyer.token })).status, 204);
      try {
        for (const c of weekendCases) {
          setClock(c.at);
          const found = await ids('q=weekendly&limit=50');
          const offerId = bySeller.get(c.timeZone)!;
          assert.equal(found.includes(offerId), !c.hidden, `${c.local} in ${c.timeZone}: ${JSON.stringify(found)}`);
          assert.ok(found.includes(always), `${c.local}: the seller who does not hide is always found`);
          const favorite = (await call('GET', '/me/favorites?limit=100', { token: buyer.token })).body.items.find((f: { id: number }) => f.id === offerId);
          assert.equal(favorite.available, !c.hidden, `favorite at ${c.local} in ${c.timeZone}`);
        }
      } finally {
        setClock(MONDAY);
      }
    });
  });

  describe('favorites', () => {
    let buyer: TestUser;
    let s: number;
    before(async () => {
      buyer = await signUp(call, 'favoriter');
      s = await seller();
    });

    const list = async (user: TestUser, query = '') => {
      const res = await call('GET', `/me/favorites${query}`, { token: user.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };

    it('adds an offer once however often it is added, lists favorites newest first, removes them', async () => {
      const first = await offer({ seller: s, title: 'Favorable first offer' });
      const second = await offer({ seller: s, title: 'Favorable second offer' });
      const fresh = await signUp(call, 'favfresh');
      assert.equal((await call('PUT', `/me/favorites/${first}`, { token: fresh.token })).status, 204);
      clock.advance(1_000);
      assert.equal((await call('PUT', `/me/favorites/${second}`, { token: fresh.token })).status, 204);
      assert.equal((await call('PUT', `/me/favorites/${first}`, { token: fresh.token })).status, 204);
      const { items, nextCursor } = await list(fresh);
      assert.deepEqual(items.map((f: { id: number }) => f.id), [second, first]);
      assert.equal(nextCursor, null);
      assert.equal(items[0].title, 'Favorable second offer');
      assert.equal(items[0].available, true);
      assert.equal(items[0].favoritedAt, clock.now().toISOString());
      assert.equal(items[1].favoritedAt, new Date(clock.now().getTime() - 1_000).toISOString());
      assert.equal(items[0].category.name, 'Logos');

      assert.equal((await call('DELETE', `/me/favorites/${second}`, { token: fresh.token })).status, 204);
      assert.equal((await call('DELETE', `/me/favorites/${second}`, { token: fresh.token })).status, 204);
      assert.deepEqual((await list(fresh)).items.map((f: { id: number }) => f.id), [first]);
      assert.deepEqual((await list(buyer)).items, [], 'another buyer’s favorites are their own');
    });

    it('answers 404 for an unknown offer and for one buyers cannot see, adding nothing', async () => {
      const other = await seller();
      const paused = await offer({ seller: other, title: 'Favorable paused offer', status: 'paused' });
      const draft = await offer({ seller: other, title: 'Favorable draft offer', status: 'draft' });
      const weekender = await seller({ timeZone: 'UTC', hideOnWeekends: true });
      const hidden = await offer({ seller: weekender, title: 'Favorable weekend offer' });
      const fresh = await signUp(call, 'favmiss');
      setClock(new Date('2026-11-07T12:00:00Z')); // a Saturday
      try {
        for (const id of [paused, draft, hidden, Number.MAX_SAFE_INTEGER]) {
          const res = await call('PUT', `/me/favorites/${id}`, { token: fresh.token });
          assert.equal(res.status, 404, `${id}: ${JSON.stringify(res.body)}`);
          assert.equal(res.body.error.code, 'not_found');
        }
      } finally {
        setClock(MONDAY);
      }
      assert.deepEqual((await list(fresh)).items, []);
      assert.equal((await call('PUT', '/me/favorites/abc', { token: fresh.token })).status, 400);
    });

    it('keeps a favorite that stops being visible, marked unavailable, and drops one its seller deleted', async () => {
      const fresh = await signUp(call, 'favkeep');
      const pausedLater = await offer({ seller: s, title: 'Favorable soon paused' });
      const deletedLater = await offer({ seller: s, title: 'Favorable soon deleted' });
      for (const id of [pausedLater, deletedLater]) assert.equal((await call('PUT', `/me/favorites/${id}`, { token: fresh.token })).status, 204);
      await database.db.sql`update offers set status = 'paused' where id = ${pausedLater}`;
      await database.db.sql`update offers set status = 'archived' where id = ${deletedLater}`;
      const { items } = await list(fresh);
      assert.deepEqual(items.map((f: { id: number; available: boolean }) => [f.id, f.available]), [[pausedLater, false]]);
      assert.deepEqual(await ids('q=favorable soon paused'), [], 'search does not show it');
    });

    it('pages through favorites with a cursor, and refuses a forged one', async () => {
      const fresh = await signUp(call, 'favpages');
      const added: number[] = [];
      for (let i = 0; i < 5; i++) {
        added.unshift(await offer({ seller: s, title: `Favorable paged offer ${i}` }));
        assert.equal((await call('PUT', `/me/favorites/${added[0]}`, { token: fresh.token })).status, 204);
      }
      const seen: number[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 5 && (page === 0 || cursor); page++) {
        const body = await list(fresh, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        seen.push(...body.items.map((f: { id: number }) => f.id));
        cursor = body.nextCursor;
      }
      // Added in one instant: the newer offer id comes first among equal times.
      assert.deepEqual(seen, added);
      const forged = await call('GET', '/me/favorites?cursor=bm90LWEtY3Vyc29y', { token: fresh.token });
      assert.equal(forged.status, 400);
      assert.deepEqual(forged.body.error.details.fields.map((f: { path: string }) => f.path), ['query.cursor']);
    });

    it('needs a signed-in caller', async () => {
      const id = await offer({ seller: s, title: 'Favorable anonymous offer' });
      assert.equal((await call('PUT', `/me/favorites/${id}`)).status, 401);
      assert.equal((await call('DELETE', `/me/favorites/${id}`)).status, 401);
      assert.equal((await call('GET', '/me/favorites')).status, 401);
    });
  });

  describe('sellers by login', () => {
    before(async () => {
      for (const login of ['lookup_anna', 'lookup_bob', 'lookupcarl', 'lookup_dora']) await seller({ login });
      await seller({ login: 'lookup_zed', level: 'professional', ratingPercent: 97, feedbackCount: 31 });
      await seller({ login: 'lookup_blocked', blocked: true });
      await seller({ login: 'lookup_unconfirmed', confirmed: false });
      for (let i = 0; i < 25; i++) await seller({ login: `manyseller_${String(i).padStart(2, '0')}`, noStats: true });
    });
    const logins = async (prefix: string) => {
      const res = await call('GET', `/users?login=${prefix}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.items.map((u: { login: string }) => u.login);
    };

    it('finds sellers by the start of their login in any case, in login order, without blocked or unconfirmed accounts', async () => {
      assert.deepEqual(await logins('LOOKUP'), ['lookup_anna', 'lookup_bob', 'lookup_dora', 'lookup_zed', 'lookupcarl']);
      assert.deepEqual(await logins('lookup_b'), ['lookup_bob']);
    });

    it('takes an underscore literally', async () => {
      assert.deepEqual(await logins('lookup_'), ['lookup_anna', 'lookup_bob', 'lookup_dora', 'lookup_zed']);
    });

    it('shows each seller’s level, rating and feedback count, a newbie without stats', async () => {
      const res = await call('GET', '/users?login=lookup_z');
      assert.deepEqual(res.body.items, [
        { id: res.body.items[0].id, login: 'lookup_zed', displayName: null, level: 'professional', ratingPercent: 97, feedbackCount: 31 },
      ]);
      const [many] = (await call('GET', '/users?login=manyseller_00')).body.items;
      assert.deepEqual([many.level, many.ratingPercent, many.feedbackCount], ['newbie', null, 0]);
    });

    it('answers at most 20', async () => {
      assert.deepEqual(await logins('manyseller'), Array.from({ length: 20 }, (_, i) => `manyseller_${String(i).padStart(2, '0')}`));
    });

    for (const [what, query] of [
      ['a one-letter prefix', 'login=l'],
      ['a LIKE pattern', 'login=look%25'],
      ['no prefix', ''],
      ['an unknown parameter', 'login=lookup&level=pro'],
    ]) {
      it(`answers ${what} with 400`, async () => {
        const res = await call('GET', `/users?${query}`);
        assert.equal(res.status, 400);
        assert.ok(res.body.error.details.fields.length > 0);
      });
    }
  });

  it('lists the category tree with each category’s attributes and price rules', async () => {
    const res = await call('GET', '/categories');
    assert.equal(res.status, 200);
    const { items } = res.body;
    assert.deepEqual(items.map((c: { slug: string }) => c.slug), ['design', 'development', 'writing', 'seo', 'audio-video', 'business']);
    const design = items[0];
    assert.deepEqual(design.children.map((c: { slug: string }) => c.slug), ['logos', 'banners', 'web-design']);
    assert.deepEqual(design.attributes, []);
    const [logos, , webDesign] = design.children;
    assert.deepEqual(logos, {
      id: LOGOS,
      slug: 'logos',
      name: 'Logos',
      allowsFreePrice: false,
      fixedPackagePrices: { economy: 1000, standard: 2500, business: 5000 },
      attributes: [{ key: 'style', name: 'Style', allowedValues: ['minimalist', 'lettering', 'emblem', 'mascot', 'abstract'], multiple: true, required: false }],
      children: [],
    });
    assert.equal(webDesign.allowsFreePrice, true);
    assert.deepEqual(webDesign.attributes[0], { key: 'page_type', name: 'Page type', allowedValues: ['landing', 'multi_page', 'mobile_app', 'email'], multiple: false, required: true });
    const site = items[1].children.find((c: { id: number }) => c.id === TURNKEY_SITE);
    assert.deepEqual(site.attributes.map((a: { key: string }) => a.key), ['cms', 'service_type', 'uniqueness']);
  });

  describe('bad input', () => {
    const otherSortCursor = async () => {
      const s = await seller();
      for (let i = 0; i < 2; i++) await offer({ seller: s, title: 'Cursorish offer' });
      return (await call('GET', '/offers?q=cursorish&sort=price_asc&limit=1')).body.nextCursor as string;
    };
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

    const cases: [string, string | (() => Promise<string>), string][] = [
      ['limit=0', 'limit=0', 'query.limit'],
      ['limit=51', 'limit=51', 'query.limit'],
      ['a fractional limit', 'limit=2.5', 'query.limit'],
      ['a negative lowest price', 'minPriceCents=-1', 'query.minPriceCents'],
      ['a price that is not a number', 'maxPriceCents=ten', 'query.maxPriceCents'],
      ['a lowest price above the highest', 'minPriceCents=5000&maxPriceCents=4000', 'query.maxPriceCents'],
      ['an unknown sort', 'sort=bogus', 'query.sort'],
      ['relevance without keywords', 'sort=relevance', 'query.sort'],
      ['an unknown seller level', 'sellerLevel=guru', 'query.sellerLevel.0'],
      ['a rating above 100', 'minSellerRating=101', 'query.minSellerRating'],
      ['a lead time of 0 days', 'maxLeadTimeDays=0', 'query.maxLeadTimeDays'],
      ['an attribute without a value', 'attr=style', 'query.attr.0'],
      ['an unknown category', 'categoryId=999', 'query.categoryId'],
      ['an unknown parameter', 'color=red', 'query.color'],
      ['a cursor that is not one', 'cursor=garbage', 'query.cursor'],
      ['a cursor with values of the wrong types', `cursor=${forge({ s: 'newest', t: 'yes', k: ['tomorrow', 'x'] })}`, 'query.cursor'],
      ['a cursor with an impossible date', `cursor=${forge({ s: 'newest', t: true, k: ['2026-02-30T00:00:00.000000Z', 5] })}`, 'query.cursor'],
      ['a cursor with too few values', `cursor=${forge({ s: 'newest', t: true, k: [5] })}`, 'query.cursor'],
      ['a cursor of another sort', async () => `sort=newest&cursor=${await otherSortCursor()}`, 'query.cursor'],
    ];
    for (const [what, query, path] of cases) {
      it(`answers ${what} with 400 naming ${path}`, async () => {
        const res = await call('GET', `/offers?${typeof query === 'string' ? query : await query()}`);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.error.code, 'invalid_input');
        assert.ok(res.body.error.details.fields.some((f: { path: string }) => f.path === path), JSON.stringify(res.body));
      });
    }
  });
});
