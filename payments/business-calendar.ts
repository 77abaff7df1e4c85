/**
 * Builds the `BusinessCalendar` that `workflows/lib/business-days.ts` counts with (D-06):
 * the statutory public holidays of a country over whole years, from `date-holidays` (movable
 * feasts computed by the library, never a hard-coded list). Runs outside the workflow sandbox
 * — in the service that starts a job or payout run, or in an activity — and its result is
 * passed into the workflow as data.
 */
import Holidays from 'date-holidays';
import type { CalendarPlace } from '../workflows/job/policy.js';
import type { BusinessCalendar } from '../workflows/lib/business-days.js';

const byCountry = new Map<string, Holidays>();

/** The calendar of `place` for the years `firstYear` to `lastYear`, both included. */
export function businessCalendar(place: CalendarPlace, firstYear: number, lastYear: number): BusinessCalendar {
  if (!Number.isInteger(firstYear) || !Number.isInteger(lastYear) || firstYear > lastYear) {
    throw new RangeError(`not a range of years: ${firstYear}–${lastYear}`);
  }
  let holidays = byCountry.get(place.country);
  if (!holidays) {
    holidays = new Holidays(place.country);
    byCountry.set(place.country, holidays);
  }
  const dates = new Set<string>();
  for (let year = firstYear; year <= lastYear; year++) {
    // `date` is the holiday's local date ('2027-03-29 00:00:00'); only statutory days are days off.
    for (const holiday of holidays.getHolidays(year)) if (holiday.type === 'public') dates.add(holiday.date.slice(0, 10));
  }
  return { zone: place.zone, country: place.country, firstYear, lastYear, holidays: [...dates].sort() };
}
