/**
 * Builds the `BusinessCalendar` that `workflows/lib/business-days.ts` counts with (D-06):
 * the statutory public holidays of a country over whole years, from `date-holidays` (movable
 * feasts computed by the library, never a hard-coded list). Runs outside the workflow sandbox
 * — in the service that starts a job or payout run, or in an activity — and its result is
 * passed into the workflow as data.
 */
import type { CalendarPlace } from '../workflows/job/policy.js';
import type { BusinessCalendar } from '../workflows/lib/business-days.js';
import { addDays, civilDateOf, type CivilDate } from '../workflows/lib/zoned-time.js';
import { holidaysOf } from './holidays.js';

/**
 * The statutory public holidays of `country` in `year`, by `YYYY-MM-DD` date, with their names:
 * in English, for the closure notice (W-21); the dates do not depend on the language.
 */
function publicHolidays(country: string, year: number): Map<string, string> {
  const days = new Map<string, string>();
  // `date` is the holiday's local date ('2027-03-29 00:00:00'); only statutory days are days off.
  for (const holiday of holidaysOf(country).getHolidays(year)) if (holiday.type === 'public') days.set(holiday.date.slice(0, 10), holiday.name);
  return days;
}

const isoDate = (d: CivilDate): string => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** The calendar of `place` for the years `firstYear` to `lastYear`, both included. */
export function businessCalendar(place: CalendarPlace, firstYear: number, lastYear: number): BusinessCalendar {
  if (!Number.isInteger(firstYear) || !Number.isInteger(lastYear) || firstYear > lastYear) {
    throw new RangeError(`not a range of years: ${firstYear}–${lastYear}`);
  }
  const dates: string[] = [];
  for (let year = firstYear; year <= lastYear; year++) dates.push(...publicHolidays(place.country, year).keys());
  return { zone: place.zone, country: place.country, firstYear, lastYear, holidays: dates.sort() };
}

/** W-21: the experts' days off coming up, and the business day they answer again. */
export interface ClosureNotice {
  /** The public holidays from today to `aheadDays` days on (dates in the place's zone). */
  closed: { date: string; name: string }[];
  /** `YYYY-MM-DD`: the first business day (not a weekend, not a holiday) after the last of them. */
  reopensOn: string;
}

/**
 * W-21 ("unavailable 6 and 7 January, quotes answered Monday 10th"): the public holidays of
 * `place` from its date at `nowMs` to `aheadDays` days later, and when quotes are answered again;
 * null when none falls in that time.
 */
export function closureNotice(place: CalendarPlace, nowMs: number, aheadDays: number): ClosureNotice | null {
  const today = civilDateOf(nowMs, place.zone);
  const holidayName = (d: CivilDate) => publicHolidays(place.country, d.year).get(isoDate(d));
  const closed: ClosureNotice['closed'] = [];
  let last: CivilDate | null = null;
  for (let i = 0; i <= aheadDays; i++) {
    const day = addDays(today, i);
    const name = holidayName(day);
    if (name !== undefined) {
      closed.push({ date: isoDate(day), name });
      last = day;
    }
  }
  if (last === null) return null;
  let reopens = addDays(last, 1);
  const weekday = (d: CivilDate) => new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
  while (weekday(reopens) === 0 || weekday(reopens) === 6 || holidayName(reopens) !== undefined) reopens = addDays(reopens, 1);
  return { closed, reopensOn: isoDate(reopens) };
}
