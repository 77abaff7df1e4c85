import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hiddenForWeekend, weekendEndsAt } from '../../services/visibility.js';
import { weekendCases } from '../support/weekend.js';

/** Each zone's Monday 00:00 among the cases: when its hidden instants show again. */
const mondayOf = (timeZone: string) => weekendCases.find((c) => c.timeZone === timeZone && c.local === 'Monday 00:00')!.at;

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

  it('says a weekend hiding ends on Monday 00:00 in the seller’s zone, from Friday 00:00 and Sunday 23:59 alike (K-42)', () => {
    for (const c of weekendCases.filter((w) => w.hidden)) {
      assert.equal(weekendEndsAt(c.at, c.timeZone).toISOString(), mondayOf(c.timeZone).toISOString(), `${c.local} ${c.timeZone}`);
    }
  });

  it('refuses a zone that is not an IANA name', () => {
    assert.throws(() => hiddenForWeekend(new Date(), 'Mars/Olympus_Mons', true), RangeError);
  });
});
