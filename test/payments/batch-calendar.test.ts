/**
 * The withdrawal batch calendar (K-50, D-06): Monday, Wednesday and Friday at 12:00 Warsaw
 * time, a Polish public holiday skipped to the next batch day, noon local across DST.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchCalendarPolicy, holidayOn, localDate, nextBatchAt, scheduleFiresAfter, type BatchCalendarPolicy } from '../../payments/batch-calendar.js';

const policy = batchCalendarPolicy;
const at = (iso: string) => Date.parse(iso);
const next = (iso: string) => new Date(nextBatchAt(at(iso), policy)).toISOString();

describe('the next withdrawal batch', () => {
  it('pays a Tuesday request on Wednesday at 12:00 Warsaw time', () => {
    assert.equal(next('2026-06-09T08:00:00Z'), '2026-06-10T10:00:00.000Z');
  });

  it('pays a Wednesday 11:59 request the same day at 12:00', () => {
    assert.equal(next('2026-06-10T09:59:00Z'), '2026-06-10T10:00:00.000Z');
  });

  it('pays a request made at Wednesday 12:00 exactly on Friday: the batch is strictly after', () => {
    assert.equal(next('2026-06-10T10:00:00Z'), '2026-06-12T10:00:00.000Z');
  });

  it('pays a Friday afternoon request on Monday', () => {
    assert.equal(next('2026-06-12T10:00:01Z'), '2026-06-15T10:00:00.000Z');
  });

  it('skips Easter Monday to Wednesday', () => {
    assert.equal(next('2026-04-03T12:00:00Z'), '2026-04-08T10:00:00.000Z');
    assert.equal(holidayOn(at('2026-04-06T10:00:00Z'), policy), 'Easter Monday');
  });

  it('skips Christmas Day (a Friday) to Monday the 28th; Christmas Eve is no batch day anyway', () => {
    // Wednesday 23 December's batch is 11:00 UTC (winter); the request comes at that instant.
    assert.equal(next('2026-12-23T11:00:00Z'), '2026-12-28T11:00:00.000Z');
    assert.equal(new Date(scheduleFiresAfter(at('2026-12-23T11:00:00Z'), policy)).toISOString(), '2026-12-25T11:00:00.000Z');
  });

  it('skips Independence Day (Wednesday 11 November) to Friday the 13th', () => {
    assert.equal(next('2026-11-10T12:00:00Z'), '2026-11-13T11:00:00.000Z');
  });

  it('keeps the batch at 12:00 local across the change to summer time (29 March 2026)', () => {
    assert.equal(next('2026-03-26T12:00:00Z'), '2026-03-27T11:00:00.000Z');
    assert.equal(next('2026-03-27T11:00:00Z'), '2026-03-30T10:00:00.000Z');
  });

  it('keeps the batch at 12:00 local across the change to winter time (25 October 2026)', () => {
    assert.equal(next('2026-10-22T12:00:00Z'), '2026-10-23T10:00:00.000Z');
    assert.equal(next('2026-10-23T10:00:00Z'), '2026-10-26T11:00:00.000Z');
  });

  it('counts the request time in Warsaw, not UTC: Tuesday 23:30 UTC is already Wednesday 01:30', () => {
    assert.equal(next('2026-06-09T23:30:00Z'), '2026-06-10T10:00:00.000Z');
    assert.equal(localDate(at('2026-06-09T23:30:00Z'), 'Europe/Warsaw'), '2026-06-10');
  });
});

describe('the schedule and the holiday check apart', () => {
  it('fires on a holiday: a Temporal Schedule does not know them', () => {
    assert.equal(new Date(scheduleFiresAfter(at('2026-04-03T12:00:00Z'), policy)).toISOString(), '2026-04-06T10:00:00.000Z');
  });

  it('names only public holidays, on the Warsaw date', () => {
    assert.equal(holidayOn(at('2026-11-11T10:00:00Z'), policy), 'Independence Day');
    // 23:30 UTC on the 10th is 00:30 on the 11th in Warsaw (UTC+1 in November).
    assert.equal(holidayOn(at('2026-11-10T23:30:00Z'), policy), 'Independence Day');
    assert.equal(holidayOn(at('2026-11-10T23:30:00Z'), { ...policy, zone: 'UTC' }), null);
    // Fat Thursday is an observance, not a day off.
    assert.equal(holidayOn(at('2026-02-12T10:00:00Z'), policy), null);
  });

  it('computes movable feasts for any year (Corpus Christi 2027 is 27 May)', () => {
    assert.equal(holidayOn(at('2027-05-27T10:00:00Z'), policy), 'Corpus Christi');
  });

  it('resolves a wall time in a spring gap later by the gap, and an autumn repeat to the earlier', () => {
    const gap: BatchCalendarPolicy = { zone: 'Europe/Warsaw', weekdays: [7], hour: 2, minute: 30 };
    assert.equal(new Date(scheduleFiresAfter(at('2026-03-28T00:00:00Z'), gap)).toISOString(), '2026-03-29T01:30:00.000Z');
    assert.equal(new Date(scheduleFiresAfter(at('2026-10-24T00:00:00Z'), gap)).toISOString(), '2026-10-25T00:30:00.000Z');
  });

  it('refuses a policy without weekdays', () => {
    assert.throws(() => scheduleFiresAfter(0, { ...policy, weekdays: [] }), RangeError);
  });
});
