/**
 * The business calendar of D-06 for the estimated-job deadlines (W-13) and the affiliate payout
 * run (W-29): pure and deterministic, so the job workflow may call it in Temporal's sandbox.
 *
 * Holidays come in as data (`BusinessCalendar`), never from `date-holidays` here: the wiring
 * fence lets workflows/ load nothing at run time but `@temporalio/workflow`, and the library
 * (with moment-timezone and every country's rules) would add megabytes to the workflow bundle.
 * `payments/business-calendar.ts` builds the calendar for a range of years from `date-holidays`;
 * the caller that starts a workflow puts it into the input, so a running job keeps the calendar
 * it was started with — and replays the same — like its other rules.
 *
 * What "N business days after the client's last activity" means (W-13, D-03, D-06; issue 18):
 * - A business day is a Monday to Friday that is not a public holiday of the calendar's country,
 *   both read as calendar dates in the calendar's zone (Europe/Warsaw).
 * - An activity on a business day ends its count at the same wall-clock time in the zone on the
 *   N-th business day after it: Tuesday 14:30 + 3 = Friday 14:30 Warsaw time, whatever the UTC
 *   offset on either day (a DST change in between shifts the UTC instant, not the wall clock).
 * - An activity on a weekend or holiday counts from the start (00:00) of the next business day:
 *   Saturday 11:00 + 3 = Thursday 00:00, the same deadline as an activity at the very end of
 *   Friday. So a later activity never gives an earlier deadline.
 * - Europe/Warsaw changes its offset on Sundays only, which are never business days, so a
 *   deadline never falls in a skipped or repeated hour; were it to, the earlier of a repeated
 *   time is taken and a skipped one moves later by the gap (Temporal API `compatible`).
 */
import type { AutoApprovalPolicy, BusinessHours } from '../job/policy.js';
import { HOUR, iso, msOf } from './time.js';
import { addDays, civilDateOf, wallClock, zonedInstant, type CivilDate } from './zoned-time.js';

/** The days off of one place over whole years, as data a workflow can carry (D-06). */
export interface BusinessCalendar {
  /** IANA zone whose calendar dates and wall clock count (`Europe/Warsaw`). */
  zone: string;
  /** ISO 3166 country of the holidays (`PL`), kept for the record. */
  country: string;
  /** The first and last calendar years `holidays` lists completely. */
  firstYear: number;
  lastYear: number;
  /** `YYYY-MM-DD` dates of the statutory public holidays within those years. */
  holidays: string[];
}

/** A date outside the calendar's years: the caller must fetch a calendar that covers it. */
export class CalendarRangeError extends RangeError {
  constructor(readonly year: number, calendar: BusinessCalendar) {
    super(`the business calendar covers ${calendar.firstYear}–${calendar.lastYear}, not ${year}`);
    this.name = 'CalendarRangeError';
  }
}

/** A wall-clock time of day in milliseconds (14:30 = 52 200 000). */
type TimeOfDay = number;

/**
 * `n` business days (n ≥ 0) after `fromIso`, as defined at the top of this file; with `n` = 0,
 * `fromIso` itself on a business day, else the start of the next one.
 * @throws CalendarRangeError when a day to look at lies outside the calendar's years.
 */
export function addBusinessDays(fromIso: string, n: number, calendar: BusinessCalendar): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`business days must be a whole number ≥ 0, not ${n}`);
  const from = msOf(fromIso);
  if (Number.isNaN(from)) throw new RangeError(`not an instant: ${JSON.stringify(fromIso)}`);
  const wall = wallClock(from, calendar.zone);
  let date: CivilDate = { year: wall.year, month: wall.month, day: wall.day };
  let time: TimeOfDay = ((wall.hour * 60 + wall.minute) * 60 + wall.second) * 1_000 + (((from % 1_000) + 1_000) % 1_000);
  if (!isBusinessDay(date, calendar)) {
    date = nextBusinessDay(date, calendar);
    time = 0;
  }
  for (let left = n; left > 0; left--) date = nextBusinessDay(date, calendar);
  return iso(zonedInstant(date, time, calendar.zone));
}

/**
 * W-02: `hours` (> 0) of working time after `fromIso`, counted only within `hours.startHour` …
 * `hours.endHour` wall-clock time of business days in the calendar's zone (D-06). A start
 * outside working time counts from the next working moment: Friday 16:00 + 2 h = Monday 10:00
 * (with 9–17 hours and no holiday); a target that ends exactly at the end of a day is that end
 * (Friday 15:00 + 2 h = Friday 17:00).
 * @throws CalendarRangeError when a day to look at lies outside the calendar's years.
 */
export function addBusinessHours(fromIso: string, hours: number, workingHours: BusinessHours, calendar: BusinessCalendar): string {
  if (!(hours > 0) || !Number.isFinite(hours)) throw new RangeError(`business hours must be a positive number, not ${hours}`);
  const { startHour, endHour } = workingHours;
  if (!(Number.isInteger(startHour) && Number.isInteger(endHour) && startHour >= 0 && startHour < endHour && endHour <= 24)) {
    throw new RangeError(`working hours must be whole hours with 0 ≤ start < end ≤ 24, not ${startHour}–${endHour}`);
  }
  const from = msOf(fromIso);
  if (Number.isNaN(from)) throw new RangeError(`not an instant: ${JSON.stringify(fromIso)}`);
  let date: CivilDate = civilDateOf(from, calendar.zone);
  let cursor = from;
  let left = Math.round(hours * HOUR);
  for (;;) {
    if (isBusinessDay(date, calendar)) {
      const opens = zonedInstant(date, startHour * HOUR, calendar.zone);
      const closes = zonedInstant(date, endHour * HOUR, calendar.zone);
      const begin = Math.max(cursor, opens);
      if (begin < closes) {
        if (left <= closes - begin) return iso(begin + left);
        left -= closes - begin;
      }
    }
    date = nextBusinessDay(date, calendar);
    cursor = zonedInstant(date, 0, calendar.zone);
  }
}

/** Whether the instant falls on a business day of the calendar (in its zone). */
export function isBusinessDayAt(instantIso: string, calendar: BusinessCalendar): boolean {
  return isBusinessDay(civilDateOf(msOf(instantIso), calendar.zone), calendar);
}

/**
 * W-13's business days for a job of `totalCents`: 3 up to $400.00 inclusive (D-06), 5 above.
 */
export function autoApprovalBusinessDays(totalCents: number, policy: AutoApprovalPolicy): number {
  if (!Number.isInteger(totalCents) || totalCents < 0) throw new RangeError(`not an amount in cents: ${totalCents}`);
  return totalCents <= policy.smallJobMaxCents ? policy.smallJobBusinessDays : policy.businessDays;
}

/**
 * When a job is approved automatically (W-13): its business days after the client's last
 * activity (D-03: any action or message of a party; system timers are not activity). Every new
 * activity calls this again and the job's timer moves to the new instant.
 */
export function autoApproveAt(lastActivityIso: string, totalCents: number, policy: AutoApprovalPolicy, calendar: BusinessCalendar): string {
  return addBusinessDays(lastActivityIso, autoApprovalBusinessDays(totalCents, policy), calendar);
}

/**
 * When the client is reminded (W-13, issue 18): one business day (the policy's) before
 * `autoApproveAt`, at the same wall-clock time — the business day before the deadline's.
 */
export function reminderAt(lastActivityIso: string, totalCents: number, policy: AutoApprovalPolicy, calendar: BusinessCalendar): string {
  const days = autoApprovalBusinessDays(totalCents, policy) - policy.reminderBusinessDaysBefore;
  if (days < 0) throw new RangeError(`a reminder ${policy.reminderBusinessDaysBefore} business days before cannot precede the last activity`);
  return addBusinessDays(lastActivityIso, days, calendar);
}

/** D-06: the payout cut-off's fixed offset, UTC+1 all year (not Warsaw summer time). */
const CUTOFF_OFFSET_MS = HOUR;
/** W-29: the payout run's day of the month. */
const PAYOUT_RUN_DAY = 10;

/**
 * The last instant a withdrawal may be set to be paid in the run of `runMonth` (`2027-02`):
 * the end of the previous month, 23:59:59 UTC+1 (W-29, D-06). Any instant before the next
 * second (00:00:00 UTC+1 on the 1st) still belongs: `runFor` is exact to the millisecond.
 */
export function payoutCutoff(runMonth: string): string {
  const { year, month } = parseMonth(runMonth);
  return iso(Date.UTC(year, month - 1, 1) - CUTOFF_OFFSET_MS - 1_000);
}

/** The month (`2027-01`) an instant falls in on the payout calendar, read at UTC+1 (D-06). */
export function payoutMonthOf(instantIso: string): string {
  const ms = msOf(instantIso);
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${JSON.stringify(instantIso)}`);
  return iso(ms + CUTOFF_OFFSET_MS).slice(0, 7);
}

/** The month before `runMonth` (`2027-01` → `2026-12`). */
export function previousMonth(runMonth: string): string {
  const { year, month } = parseMonth(runMonth);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

/**
 * The date (`2027-02-10`) of the payout run a withdrawal set at `withdrawnAtIso` is paid in
 * (W-29, D-06): the 10th of the month after the one it was set in, months read at UTC+1.
 */
export function runFor(withdrawnAtIso: string): string {
  const at = msOf(withdrawnAtIso);
  if (Number.isNaN(at)) throw new RangeError(`not an instant: ${JSON.stringify(withdrawnAtIso)}`);
  const local = new Date(at + CUTOFF_OFFSET_MS);
  const run = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, PAYOUT_RUN_DAY));
  return run.toISOString().slice(0, 10);
}

function parseMonth(runMonth: string): { year: number; month: number } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(runMonth);
  if (!match) throw new RangeError(`not a month (YYYY-MM): ${JSON.stringify(runMonth)}`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

function dateKey({ year, month, day }: CivilDate): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function isBusinessDay(date: CivilDate, calendar: BusinessCalendar): boolean {
  if (date.year < calendar.firstYear || date.year > calendar.lastYear) throw new CalendarRangeError(date.year, calendar);
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !calendar.holidays.includes(dateKey(date));
}

function nextBusinessDay(date: CivilDate, calendar: BusinessCalendar): CivilDate {
  let next = addDays(date, 1);
  // Holidays and weekends come at most a few days in a row; the range check ends any runaway.
  while (!isBusinessDay(next, calendar)) next = addDays(next, 1);
  return next;
}

