/** An individual offer's expiry rules (K-46), state × event: the first answer stands, the timer expires only what is open. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answered, expiresAtOf, initialState, isFinal, timedOut, type IndividualOfferState } from '../../workflows/individual-offer/machine.js';
import { individualOfferPolicy } from '../../workflows/individual-offer/policy.js';

const open = initialState({ offerId: 7, sellerId: 1, buyerId: 2, priceCents: 2_500, createdAt: '2026-11-02T10:00:00.000Z', policy: individualOfferPolicy() });
const closed = (status: IndividualOfferState['status']): IndividualOfferState => ({ ...open, status });

describe('individual offer machine', () => {
  it('expires an offer 7 days after it was made, to the millisecond', () => {
    assert.equal(open.expiresAt, '2026-11-09T10:00:00.000Z');
    assert.equal(expiresAtOf('2026-11-02T10:00:00.000Z', 1), '2026-11-02T10:00:00.001Z');
    assert.equal(isFinal(open), false);
  });

  it('keeps the first answer: a later answer or the timer changes nothing', () => {
    for (const status of ['accepted', 'declined', 'withdrawn', 'expired', 'void'] as const) {
      assert.equal(answered(closed(status), 'accepted').status, status);
      assert.equal(timedOut(closed(status), { expired: true, found: 'expired' }).status, status);
    }
    assert.equal(answered(open, 'withdrawn').status, 'withdrawn');
  });

  it('on the timer, takes what the expiry’s write found: expired, an answer that reached the row first, or no row', () => {
    assert.equal(timedOut(open, { expired: true, found: 'expired' }).status, 'expired');
    assert.equal(timedOut(open, { expired: false, found: 'accepted' }).status, 'accepted');
    assert.equal(timedOut(open, { expired: false, found: 'void' }).status, 'void');
  });
});
