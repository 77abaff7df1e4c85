/**
 * W-21's holiday closure notice ("unavailable 6 and 7 January, quotes answered Monday 10th"),
 * from Poland's public holidays in Europe/Warsaw (D-06): which days it names, when quotes are
 * answered again, and the words the order pages show.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closureNotice } from '../../payments/business-calendar.js';
import { ClosureBanner } from '../../web/pages/jobs/closure.js';
import { jobPolicy } from '../../workflows/job/policy.js';

const notice = (instant: string, aheadDays = 3) => closureNotice(jobPolicy.calendar, Date.parse(instant), aheadDays);

describe('the holiday closure notice (W-21, D-06)', () => {
  it('names Epiphany from the day before, and answers again the next business day', () => {
    assert.deepEqual(notice('2027-01-05T10:00:00Z'), { closed: [{ date: '2027-01-06', name: 'Epiphany' }], reopensOn: '2027-01-07' });
  });
  it('counts the days in Warsaw: 23:30 UTC on 5 January is already the 6th there', () => {
    assert.deepEqual(notice('2027-01-05T23:30:00Z', 0)?.closed.map((d) => d.date), ['2027-01-06']);
    assert.equal(notice('2027-01-05T22:30:00Z', 0), null, '23:30 in Warsaw, still the 5th: nothing today');
  });
  it('runs Christmas Eve to Boxing Day together and reopens after the weekend', () => {
    const christmas = notice('2026-12-23T09:00:00Z');
    assert.deepEqual(christmas?.closed.map((d) => d.date), ['2026-12-24', '2026-12-25', '2026-12-26']);
    assert.equal(christmas?.reopensOn, '2026-12-28');
  });
  it('says nothing in a week without a public holiday', () => {
    assert.equal(notice('2027-02-09T10:00:00Z'), null);
  });
  it('shows the days with their names and the day answers resume', () => {
    const html = String(ClosureBanner({ notice: notice('2027-01-05T10:00:00Z') }));
    assert.match(html, /Our experts are off on Wednesday 6 January \(Epiphany\): estimates and answers resume on Thursday 7 January\./);
    assert.equal(String(ClosureBanner({ notice: null }) ?? ''), '');
  });
});
