/**
 * The one definition of "a buyer can see and order this offer": it is `active`, and its seller
 * does not hide it for the weekend. A seller with `hide_on_weekends` hides every offer from
 * Friday 00:00 to Monday 00:00 in their own time zone (`users.time_zone`, an IANA name).
 *
 * The rule exists twice, once per place it is evaluated — in TypeScript for one offer at hand
 * (`hiddenForWeekend`), in SQL for lists and searches (`visibleOfferSql`) — and the unit tests
 * hold the two to the same answers across the Friday and Monday boundaries.
 */
import { sql, type SQL } from 'drizzle-orm';
import { offers } from '../db/schema/catalog.js';
import { users } from '../db/schema/users.js';
import { addDays, civilDateOf, zonedInstant } from '../workflows/lib/zoned-time.js';

const WEEKEND = new Set(['Fri', 'Sat', 'Sun']);

// Building a formatter costs far more than formatting; there are only a few hundred zones.
const weekdayFormats = new Map<string, Intl.DateTimeFormat>();

function weekdayIn(timeZone: string, now: Date): string {
  let format = weekdayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' });
    weekdayFormats.set(timeZone, format);
  }
  return format.format(now);
}

/**
 * Whether a seller's weekend setting hides their offers at `now`: Friday 00:00 up to (not
 * including) Monday 00:00, local time in `timeZone`.
 *
 * @throws RangeError when `timeZone` is not an IANA time zone and `hideOnWeekends` is set.
 */
export function hiddenForWeekend(now: Date, timeZone: string, hideOnWeekends: boolean): boolean {
  return hideOnWeekends && WEEKEND.has(weekdayIn(timeZone, now));
}

/**
 * When a weekend hiding under way at `now` ends (K-42: "from Friday till Monday"): the next
 * Monday 00:00, local time in `timeZone`.
 */
export function weekendEndsAt(now: Date, timeZone: string): Date {
  const today = civilDateOf(now.getTime(), timeZone);
  const weekday = new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay(); // Sunday 0 … Saturday 6
  return new Date(zonedInstant(addDays(today, (8 - weekday) % 7 || 7), 0, timeZone));
}

/**
 * The same rule in SQL, as a condition on a row of `offers` (columns are rendered qualified by
 * that table's name). `now` is a parameter, so an injected clock decides, never the database
 * server's.
 *
 * `isodow` counts Monday 1 … Sunday 7, so 5–7 is Friday 00:00 to Monday 00:00 in the zone. The
 * sellers hidden now are found once per statement, among only those who hide on weekends (a
 * partial index holds just them), and kept in a hash table: each offer then costs one probe,
 * however many offers a search reads.
 */
export function visibleOfferSql(now: Date): SQL {
  return sql`(${offers.status} = 'active' and ${offers.sellerId} not in (
    select ${users.id} from ${users} where ${users.hideOnWeekends}
      and extract(isodow from (${now.toISOString()}::timestamptz at time zone ${users.timeZone})) in (5, 6, 7)))`;
}
