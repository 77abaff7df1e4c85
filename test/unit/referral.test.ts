/**
 * The referral programme's pure rules (K-54, K-55, D-08) at their boundaries: activation within
 * 180 days (its last instant included), attachment for 3 calendar years or 180 days (the end
 * excluded), the commission's rates and rounding, and the partial login the referrer sees.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activates, attachedUntil, isAttached, maskLogin, REFERRAL_CODE, referralCommission, referralState } from '../../workflows/lib/referral.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';

const registered = Date.parse('2026-01-10T12:00:00.000Z');
const day180 = registered + 180 * DAY;
const years3 = Date.parse('2029-01-10T12:00:00.000Z');

describe('K-55: a referral becomes active by an order or an approved kwork within 180 days', () => {
  it('activates at exactly 180 days, and not a minute later', () => {
    assert.equal(activates(registered, day180 - MINUTE), true);
    assert.equal(activates(registered, day180), true, 'the 180th day’s last instant is within 180 days');
    assert.equal(activates(registered, day180 + MINUTE), false);
  });

  it('activates from the instant of registration, never before it', () => {
    assert.equal(activates(registered, registered), true);
    assert.equal(activates(registered, registered - MINUTE), false);
  });
});

describe('K-55: attached 3 years when active, 180 days when not (the end excluded)', () => {
  const active = { registeredAtMs: registered, activatedAtMs: registered + 10 * DAY };
  const inactive = { registeredAtMs: registered, activatedAtMs: null };

  it('an active referral is attached until 3 calendar years after registration', () => {
    assert.equal(attachedUntil(active, years3 - MINUTE), years3);
    assert.equal(isAttached(active, years3 - MINUTE), true);
    assert.equal(isAttached(active, years3), false);
    assert.equal(isAttached(active, years3 + MINUTE), false);
  });

  it('an inactive referral is attached for 180 days only', () => {
    assert.equal(isAttached(inactive, day180 - MINUTE), true);
    assert.equal(isAttached(inactive, day180), false);
    assert.equal(isAttached(active, day180 + MINUTE), true, 'while an active one stays');
  });

  it('counts calendar years: a referral of 29 February 2028 is attached until 1 March 2031', () => {
    const leap = Date.parse('2028-02-29T00:00:00.000Z');
    assert.equal(new Date(attachedUntil({ registeredAtMs: leap, activatedAtMs: leap }, leap)).toISOString(), '2031-03-01T00:00:00.000Z');
  });

  it('judges activity at the instant asked: an activation after it does not count yet', () => {
    const later = { registeredAtMs: registered, activatedAtMs: registered + 100 * DAY };
    assert.equal(attachedUntil(later, registered + 50 * DAY), day180);
    assert.equal(referralState(later, registered + 50 * DAY), 'inactive');
    assert.equal(referralState(later, registered + 100 * DAY), 'active');
  });

  it('shows the state the page lists', () => {
    assert.equal(referralState(inactive, day180 - MINUTE), 'inactive');
    assert.equal(referralState(inactive, day180), 'expired');
    assert.equal(referralState(active, years3 - MINUTE), 'active');
    assert.equal(referralState(active, years3), 'expired');
  });
});

describe('K-54, D-08: the commission', () => {
  it('is 3.5 % when the referral buys and 2.5 % when they sell, of the main-funded part', () => {
    assert.equal(referralCommission('buyer', 1_000), 35);
    assert.equal(referralCommission('seller', 1_000), 25);
    assert.equal(referralCommission('buyer', 0), 0, 'a bonus-funded order earns nothing');
  });

  it('rounds half up to the cent, as the platform’s commission does', () => {
    // 2.5 % of 20 cents is 0.5: half up gives 1; of 19 cents it is 0.475: 0.
    assert.equal(referralCommission('seller', 20), 1);
    assert.equal(referralCommission('seller', 19), 0);
    // 3.5 % of 30 cents is 1.05 → 1; of 43 cents, 1.505 → 2.
    assert.equal(referralCommission('buyer', 30), 1);
    assert.equal(referralCommission('buyer', 43), 2);
  });
});

describe('the referral’s login, as the referrer sees it', () => {
  it('shows the first two and last two characters around three stars', () => {
    assert.equal(maskLogin('johnathan'), 'jo***an');
    assert.equal(maskLogin('alice_w'), 'al***_w');
  });

  it('shows only the first character of a login of six characters or fewer', () => {
    assert.equal(maskLogin('bob'), 'b***');
    assert.equal(maskLogin('jordan'), 'j***');
  });

  it('never tells the length: always three stars', () => {
    assert.equal(maskLogin('a_very_long_login_of_32_characte').length, 7);
  });
});

describe('a referral link’s code', () => {
  it('is 22 url-safe characters; anything else is refused before a lookup', () => {
    assert.equal(REFERRAL_CODE.test('AbCdEfGhIjKlMnOpQrSt-_'), true);
    for (const bad of ['', 'short', 'AbCdEfGhIjKlMnOpQrSt-_x', 'AbCdEfGhIjKlMnOpQrSt+/', "AbCdEfGhIjKlMnOpQrS'--"]) assert.equal(REFERRAL_CODE.test(bad), false, bad);
  });
});
