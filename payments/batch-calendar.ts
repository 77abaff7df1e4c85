/**
 * When withdrawals are paid (K-50): in batches on Monday, Wednesday and Friday at a fixed
 * hour on the platform's calendar (D-06: Poland, Europe/Warsaw). A Temporal Schedule fires on
 * those weekdays but knows no holidays; a batch day that is a Polish statutory public holiday
 * is skipped, and its withdrawals wait for the next batch day. Wall-clock times are
 * resolved through Intl with the zone, so a batch stays at 12:00 local across DST changes.
 */
import { addDays, civilDateOf, zonedInstant, type CivilDate } from '../workflows/lib/zoned-time.js';
import { holidaysOf } from './holidays.js';

export interface BatchCalendarPolicy {
  /** IANA zone whose wall clock and calendar date the batches follow. */
  zone: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  weekdays: number[];
  hour: number;
  minute: number;
}

/** K-50's Monday, Wednesday and Friday, at noon in Warsaw: inside Polish banking hours. */
export const batchCalendarPolicy: BatchCalendarPolicy = { zone: 'Europe/Warsaw', weekdays: [1, 3, 5], hour: 12, minute: 0 };

/** D-06: the holidays are Poland's statutory ones, whatever the policy's zone. */
const HOLIDAY_COUNTRY = 'PL';

/**
 * The first instant strictly after `afterMs` at which a Temporal Schedule with calendar spec
 * `{ dayOfWeek: weekdays, hour, minute }` in `policy.zone` fires. Holidays are not skipped.
 */
export function scheduleFiresAfter(afterMs: number, policy: BatchCalendarPolicy): number {
  checkPolicy(policy);
  const start = civilDateOf(afterMs, policy.zone);
  // Today and the next seven days hold every weekday at least once after any instant.
  for (let days = 0; days <= 7; days++) {
    const date = addDays(start, days);
    if (!policy.weekdays.includes(isoWeekday(date))) continue;
    const fire = zonedInstant(date, (policy.hour * 60 + policy.minute) * 60_000, policy.zone);
    if (fire > afterMs) return fire;
  }
  throw new Error('unreachable: a weekday recurs within eight days');
}

/** The name of the Polish public holiday on the zone's calendar date of `instantMs`, or null. */
export function holidayOn(instantMs: number, policy: BatchCalendarPolicy): string | null {
  const date = localDate(instantMs, policy.zone);
  return publicHolidays(Number(date.slice(0, 4))).get(date) ?? null;
}

/** The first schedule fire strictly after `afterMs` that is not on a public holiday. */
export function nextBatchAt(afterMs: number, policy: BatchCalendarPolicy): number {
  let at = afterMs;
  // Holidays come at most a few in a row; a year of fires is a bound no calendar reaches.
  for (let fires = 0; fires < 366; fires++) {
    at = scheduleFiresAfter(at, policy);
    if (holidayOn(at, policy) === null) return at;
  }
  throw new Error(`no batch day within a year after ${new Date(afterMs).toISOString()}`);
}

/** `2026-04-06`: the calendar date in `zone` at `instantMs`. */
export function localDate(instantMs: number, zone: string): string {
  const { year, month, day } = civilDateOf(instantMs, zone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function checkPolicy(policy: BatchCalendarPolicy): void {
  const weekdaysOk = policy.weekdays.length > 0 && policy.weekdays.every((d) => Number.isInteger(d) && d >= 1 && d <= 7);
  const timeOk = Number.isInteger(policy.hour) && policy.hour >= 0 && policy.hour <= 23 && Number.isInteger(policy.minute) && policy.minute >= 0 && policy.minute <= 59;
  if (!weekdaysOk || !timeOk) throw new RangeError(`not a batch calendar: ${JSON.stringify(policy)}`);
}

function isoWeekday(date: CivilDate): number {
  const day = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return day === 0 ? 7 : day;
}

const holidaysByYear = new Map<number, Map<string, string>>();

/** `YYYY-MM-DD` → name of Poland's public holidays in `year`, computed once per year. */
function publicHolidays(year: number): Map<string, string> {
  let byDate = holidaysByYear.get(year);
  if (!byDate) {
    byDate = new Map();
    // `date` is the holiday's local date ('2026-04-06 00:00:00'); only statutory days count.
    // English names for staff; date-holidays falls back to Polish where it has none.
    for (const holiday of holidaysOf(HOLIDAY_COUNTRY).getHolidays(year)) {
      const date = holiday.date.slice(0, 10);
      if (holiday.type === 'public' && !byDate.has(date)) byDate.set(date, holiday.name);
    }
    holidaysByYear.set(year, byDate);
  }
  return byDate;
}
