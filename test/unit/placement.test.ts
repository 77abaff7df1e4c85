/**
 * The placement rules at their boundaries (K-03 order types, K-04 options and units, K-05 the
 * lead time of further units): what the API quotes and the order workflow checks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY } from '../../workflows/lib/time.js';
import type { OrderInput } from '../../workflows/order/messages.js';
import { inconsistencyOf, isRefusal, lineTotal, quote, type LineRequest, type PricedOffer, type Quote } from '../../workflows/order/placement.js';
import { orderPolicy } from '../../workflows/order/policy.js';

/** A $10 kwork of 3 days with ten options ($4 … $13, 0 … 9 extra days) and three packages. */
const offer: PricedOffer = {
  priceCents: 1_000,
  leadTimeDays: 3,
  options: Array.from({ length: 10 }, (_, i) => ({ id: i + 1, title: `Option ${i + 1}`, priceCents: 400 + i * 100, extraDays: i })),
  packages: {
    economy: { priceCents: 1_500, leadTimeDays: 2, includes: ['one concept'] },
    standard: { priceCents: 3_000, leadTimeDays: 4, includes: ['two concepts', 'source files'] },
    business: { priceCents: 6_000, leadTimeDays: 7, includes: ['three concepts', 'source files', 'brand book'] },
  },
};

const basic = (units: number, optionIds: number[] = []): LineRequest => ({ units, optionIds, packageTier: null });

function quoted(request: LineRequest, from: PricedOffer = offer): Quote {
  const result = quote(from, request);
  assert.ok(!isRefusal(result), `refused: ${JSON.stringify(result)}`);
  return result;
}

describe('placement: price and lead time of the basic kwork', () => {
  it('prices one unit at the basic price and gives it the base lead time', () => {
    const q = quoted(basic(1));
    assert.equal(q.totalCents, 1_000);
    assert.equal(q.leadTimeMs, 3 * DAY);
    assert.deepEqual(q.line, { kind: 'basic', units: 1, options: [] });
  });

  it('adds half the base lead time for a second unit (K-05) and charges each unit (K-04)', () => {
    const q = quoted(basic(2));
    assert.equal(q.totalCents, 2_000);
    assert.equal(q.leadTimeMs, 4.5 * DAY);
  });

  it('keeps adding half the base lead time for every further unit', () => {
    assert.equal(quoted(basic(3)).leadTimeMs, 6 * DAY);
    assert.equal(quoted(basic(100)).leadTimeMs, 3 * DAY + 99 * 1.5 * DAY);
    assert.equal(quoted(basic(100)).totalCents, 100_000);
  });

  it('adds each chosen option once, whatever the units, with its extra days', () => {
    const q = quoted(basic(2, [2, 10]));
    assert.equal(q.totalCents, 2 * 1_000 + 500 + 1_300);
    assert.equal(q.leadTimeMs, 4.5 * DAY + 1 * DAY + 9 * DAY);
    assert.deepEqual(q.line, {
      kind: 'basic',
      units: 2,
      options: [
        { id: 2, title: 'Option 2', priceCents: 500, extraDays: 1 },
        { id: 10, title: 'Option 10', priceCents: 1_300, extraDays: 9 },
      ],
    });
  });

  it('takes all ten options of an offer at once (K-04: up to 10 per kwork)', () => {
    const all = offer.options.map((o) => o.id);
    const q = quoted(basic(1, all));
    assert.equal(q.totalCents, 1_000 + offer.options.reduce((sum, o) => sum + o.priceCents, 0));
    assert.equal(q.leadTimeMs, 3 * DAY + (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9) * DAY);
    assert.equal(q.line.kind === 'basic' && q.line.options.length, 10);
  });

  it('adds no time for an option of no extra days', () => {
    assert.equal(quoted(basic(1, [1])).leadTimeMs, 3 * DAY);
    assert.equal(quoted(basic(1, [1])).totalCents, 1_400);
  });

  it('refuses an option the offer does not have, naming it at body.optionIds', () => {
    assert.deepEqual(quote(offer, basic(1, [3, 11, 12])), { path: 'body.optionIds', message: 'no such option: 11, 12' });
  });
});

describe('placement: packages (K-03)', () => {
  for (const [tier, price, days] of [['economy', 1_500, 2], ['standard', 3_000, 4], ['business', 6_000, 7]] as const) {
    it(`prices the ${tier} package at its own price and lead time, with what it includes`, () => {
      const q = quoted({ units: 1, optionIds: [], packageTier: tier });
      assert.equal(q.totalCents, price);
      assert.equal(q.leadTimeMs, days * DAY);
      assert.deepEqual(q.line, { kind: 'package', tier, includes: offer.packages![tier]!.includes });
    });
  }

  it('orders a package alone: more than one unit, or an option, is refused at body.packageTier', () => {
    const alone = { path: 'body.packageTier', message: 'a package is ordered alone: one unit, no options' };
    assert.deepEqual(quote(offer, { units: 2, optionIds: [], packageTier: 'standard' }), alone);
    assert.deepEqual(quote(offer, { units: 1, optionIds: [1], packageTier: 'standard' }), alone);
  });

  it('refuses a tier the offer does not sell', () => {
    const noBusiness: PricedOffer = { ...offer, packages: { economy: offer.packages!.economy! } };
    assert.deepEqual(quote(noBusiness, { units: 1, optionIds: [], packageTier: 'business' }), { path: 'body.packageTier', message: 'this offer has no business package' });
    assert.deepEqual(quote({ ...offer, packages: null }, { units: 1, optionIds: [], packageTier: 'economy' }), { path: 'body.packageTier', message: 'this offer has no economy package' });
  });

  it('prices a cart line whose package is gone at nothing (the cart shows it unavailable)', () => {
    assert.equal(lineTotal({ ...offer, packages: null }, { units: 1, optionIds: [], packageTier: 'economy' }), 0);
  });
});

describe('placement: the order workflow’s check of its start input', () => {
  const input = (q: Quote): OrderInput => ({
    orderId: 1,
    buyer: { id: 1, login: 'bea' },
    seller: { id: 2, login: 'sam' },
    offer: { offerId: 9, title: 'Logo', categoryId: 11, basePriceCents: offer.priceCents, baseLeadTimeDays: offer.leadTimeDays, instructions: '', unitVolume: '' },
    ...q,
    placedAt: '2026-12-01T10:00:00.000Z',
    requirements: null,
    policy: orderPolicy(),
  });

  it('accepts every quote the rules give', () => {
    for (const request of [basic(1), basic(2, [2, 10]), basic(100, offer.options.map((o) => o.id)), { units: 1, optionIds: [], packageTier: 'business' as const }]) {
      assert.equal(inconsistencyOf(input(quoted(request))), null, JSON.stringify(request));
    }
  });

  it('refuses a total the rules would not charge', () => {
    const forged = { ...input(quoted(basic(2))), totalCents: 1_000 };
    assert.match(inconsistencyOf(forged) ?? '', /totalCents 1000 is not 2000/);
  });

  it('refuses a lead time the rules would not give', () => {
    const forged = { ...input(quoted(basic(2))), leadTimeMs: 3 * DAY };
    assert.match(inconsistencyOf(forged) ?? '', /leadTimeMs 259200000 is not 388800000/);
  });

  it('refuses no units, a fraction of one, and a total of nothing', () => {
    const q = quoted(basic(1));
    assert.match(inconsistencyOf({ ...input(q), line: { kind: 'basic', units: 0, options: [] } }) ?? '', /units 0/);
    assert.match(inconsistencyOf({ ...input(q), line: { kind: 'basic', units: 1.5, options: [] } }) ?? '', /units 1.5/);
    assert.match(inconsistencyOf({ ...input(q), totalCents: 0 }) ?? '', /totalCents 0/);
  });

  it('refuses a package whose lead time is not whole days', () => {
    const q = quoted({ units: 1, optionIds: [], packageTier: 'economy' });
    assert.match(inconsistencyOf({ ...input(q), leadTimeMs: DAY / 2 }) ?? '', /whole days/);
  });
});
