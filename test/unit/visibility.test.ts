import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hiddenForWeekend } from '../../services/visibility.js';
import { weekendCases } from '../support/weekend.js';

describe('weekend hiding', () => {
  for (const c of weekendCases) {
    it(`${c.hidden ? 'hides' : 'shows'} a weekend-hiding seller's offers at ${c.local} in ${c.timeZone}`, () => {
      assert.equal(hiddenForWeekend(c.at, c.timeZone, true), c.hidden);
    });
  }

  it('never hides the offers of a seller who does not hide on weekends', () => {
    for (const c of weekendCases) assert.equal(hiddenForWeekend(c.at, c.timeZone, false), false, `${c.local} ${c.timeZone}`);
  });

  it('decides by the seller’s own zone: one instant is Friday in Tokyo and still Thursday in Los Angeles', () => {
    const fridayMorningInTokyo = new Date('2026-11-05T16:00:00Z');
    assert.equal(hiddenForWeekend(fridayMorningInTokyo, 'Asia/Tokyo', true), true);
    assert.equal(hiddenForWeekend(fridayMorningInTokyo, 'UTC', true), false);
    assert.equal(hiddenForWeekend(fridayMorningInTokyo, 'America/Los_Angeles', true), false);
  });

  it('refuses a zone that is not an IANA name', () => {
    assert.throws(() => hiddenForWeekend(new Date(), 'Mars/Olympus_Mons', true), RangeError);
  });
});
