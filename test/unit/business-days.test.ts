/**
 * The business calendar of estimated jobs and affiliate payouts (W-13, W-29, D-03, D-06):
 * business days of Poland in Europe/Warsaw — weekends, Easter Monday, fixed-date holidays, DST
 * weekends — the $400.00 threshold, the restart on new activity, the reminder one business day
 * before, and the payout cut-off at the end of the month 23:59:59 UTC+1.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { businessCalendar } from '../../payments/business-calendar.js';
import { jobPolicy } from '../../workflows/job/policy.js';
import {
  addBusinessDays,
  autoApproveAt,
  CalendarRangeError,
  isBusinessDayAt,
  payoutCutoff,
  reminderAt,
  runFor,
} from '../../workflows/lib/business-days.js';
import { checkProperty } from '../support/seed.js';

const calendar = businessCalendar(jobPolicy.calendar, 2026, 2028);
const policy = jobPolicy.autoApproval;
/** W-13, D-06: $400.00 is a small job (3 business days), a cent more is not (5). */
const SMALL = 40_000;
const LARGE = 40_001;
const warsawTime = (instant: string) => new Date(instant).toLocaleTimeString('en-GB', { timeZone: 'Europe/Warsaw', hourCycle: 'h23' });

describe('the Polish business calendar from date-holidays (D-06)', () => {
  it('has Easter Monday, Independence Day, Christmas Eve and both days of Christmas off, and no observances', () => {
    for (const day of ['2027-03-29', '2026-11-11', '2026-12-24', '2026-12-25', '2026-12-26', '2027-01-01']) {
      assert.ok(calendar.holidays.includes(day), day);
    }
    // Good Friday is only a school day off in Poland; Grandmother's Day an observance.
    for (const day of ['2027-03-26', '2026-01-21']) assert.ok(!calendar.holidays.includes(day), day);
  });

  it('refuses to count beyond the years it covers instead of guessing', () => {
    assert.throws(() => addBusinessDays('2028-12-29T10:00:00Z', 3, calendar), CalendarRangeError);
  });
});

describe('auto-approval after the client\'s last activity (W-13)', () => {
  it('gives $400.00 three business days and $400.01 five, across a weekend, at the same Warsaw time', () => {
    // Thursday 11 June 2026, 10:00 Warsaw (CEST).
    assert.equal(autoApproveAt('2026-06-11T08:00:00.000Z', SMALL, policy, calendar), '2026-06-16T08:00:00.000Z');
    assert.equal(autoApproveAt('2026-06-11T08:00:00.000Z', LARGE, policy, calendar), '2026-06-18T08:00:00.000Z');
  });

  it('counts an activity on a Saturday from Monday 00:00: the same deadline as one at the end of Friday', () => {
    assert.equal(autoApproveAt('2026-06-13T09:00:00.000Z', SMALL, policy, calendar), '2026-06-17T22:00:00.000Z');
    assert.equal(autoApproveAt('2026-06-12T21:59:59.999Z', SMALL, policy, calendar), '2026-06-17T21:59:59.999Z');
  });

  it('skips Easter Monday across the spring DST weekend: Friday 10:00 CET + 3 = Thursday 10:00 CEST', () => {
    assert.equal(autoApproveAt('2027-03-26T09:00:00.000Z', SMALL, policy, calendar), '2027-04-01T08:00:00.000Z');
    assert.equal(reminderAt('2027-03-26T09:00:00.000Z', SMALL, policy, calendar), '2027-03-31T08:00:00.000Z');
  });

  it('skips Christmas Eve, Christmas and New Year\'s Day', () => {
    // Wednesday 23 December 2026, 09:00 Warsaw (CET).
    assert.equal(autoApproveAt('2026-12-23T08:00:00.000Z', SMALL, policy, calendar), '2026-12-30T08:00:00.000Z');
    assert.equal(autoApproveAt('2026-12-23T08:00:00.000Z', LARGE, policy, calendar), '2027-01-04T08:00:00.000Z');
  });

  it('skips Independence Day, 11 November', () => {
    assert.equal(autoApproveAt('2026-11-10T11:00:00.000Z', SMALL, policy, calendar), '2026-11-16T11:00:00.000Z');
  });

  it('keeps the Warsaw wall clock across the autumn DST weekend: Friday 10:00 CEST + 1 = Monday 10:00 CET', () => {
    assert.equal(addBusinessDays('2026-10-23T08:00:00.000Z', 1, calendar), '2026-10-26T09:00:00.000Z');
    // Spring, 29 March 2026: Friday 10:00 CET + 1 = Monday 10:00 CEST, 71 hours later.
    assert.equal(addBusinessDays('2026-03-27T09:00:00.000Z', 1, calendar), '2026-03-30T08:00:00.000Z');
    // 02:30 on the change night happens twice; a Sunday either way, so it counts from Monday 00:00 CET.
    assert.equal(addBusinessDays('2026-10-25T00:30:00.000Z', 1, calendar), '2026-10-26T23:00:00.000Z');
    assert.equal(addBusinessDays('2026-10-25T01:30:00.000Z', 1, calendar), '2026-10-26T23:00:00.000Z');
  });

  it('restarts the count on a client message on day 4 (D-03)', () => {
    const first = autoApproveAt('2026-06-08T08:00:00.000Z', LARGE, policy, calendar);
    assert.equal(first, '2026-06-15T08:00:00.000Z');
    // Friday 12 June, 15:00 Warsaw: the fourth business day.
    const restarted = autoApproveAt('2026-06-12T13:00:00.000Z', LARGE, policy, calendar);
    assert.equal(restarted, '2026-06-19T13:00:00.000Z');
  });

  it('reminds exactly one business day before, and never moves a deadline earlier for a later activity', async () => {
    const instant = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-01T00:00:00Z') });
    const cents = fc.oneof(fc.integer({ min: 39_990, max: 40_010 }), fc.integer({ min: 0, max: 10_000_000 }));
    await checkProperty(
      fc.property(instant, fc.integer({ min: 0, max: 30 * 86_400_000 }), cents, (at, later, total) => {
        const last = new Date(at).toISOString();
        const deadline = autoApproveAt(last, total, policy, calendar);
        const reminder = reminderAt(last, total, policy, calendar);
        assert.ok(isBusinessDayAt(deadline, calendar) && isBusinessDayAt(reminder, calendar));
        assert.ok(reminder > last && reminder < deadline);
        if (isBusinessDayAt(last, calendar)) assert.equal(warsawTime(deadline), warsawTime(last));
        assert.equal(addBusinessDays(reminder, 1, calendar), deadline);
        const next = autoApproveAt(new Date(at + later).toISOString(), total, policy, calendar);
        assert.ok(next >= deadline, `${last} + ${later} ms gave ${next} before ${deadline}`);
      }),
      { numRuns: 300, file: import.meta.filename },
    );
  });
});

describe('the monthly affiliate payout run (W-29, D-06)', () => {
  it('puts a withdrawal set at 23:59:59 UTC+1 on the last day in the run of the 10th, and one at 00:00:00 in the next', () => {
    assert.equal(payoutCutoff('2027-02'), '2027-01-31T22:59:59.000Z');
    assert.equal(runFor('2027-01-31T22:59:59.000Z'), '2027-02-10');
    assert.equal(runFor('2027-01-31T22:59:59.999Z'), '2027-02-10');
    assert.equal(runFor('2027-01-31T23:00:00.000Z'), '2027-03-10');
  });

  it('holds the cut-off at UTC+1 in Warsaw summer time, and across the new year', () => {
    assert.equal(payoutCutoff('2026-08'), '2026-07-31T22:59:59.000Z');
    assert.equal(runFor('2026-07-31T22:59:59.000Z'), '2026-08-10');
    assert.equal(runFor('2026-07-31T23:00:00.000Z'), '2026-09-10');
    assert.equal(payoutCutoff('2027-01'), '2026-12-31T22:59:59.000Z');
    assert.equal(runFor('2026-12-31T23:00:00.000Z'), '2027-02-10');
  });
});
