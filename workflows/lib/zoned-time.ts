/**
 * Wall clocks in a time zone, with nothing but `Intl`: pure and deterministic, so workflows
 * (the estimated job's business days) and the payment calendar (withdrawal batches) share it.
 */

const DAY_MS = 86_400_000;

/** A calendar date, as a zone's wall clock reads it. */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields in `zone` at `instantMs`, to the second. */
export function wallClock(instantMs: number, zone: string): CivilDate & { hour: number; minute: number; second: number } {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(instantMs)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const field = (name: string) => parts[name] ?? Number.NaN;
  return { year: field('year'), month: field('month'), day: field('day'), hour: field('hour'), minute: field('minute'), second: field('second') };
}

/** The calendar date in `zone` at `instantMs`. */
export function civilDateOf(instantMs: number, zone: string): CivilDate {
  const { year, month, day } = wallClock(instantMs, zone);
  return { year, month, day };
}

/** How far `zone`'s wall clock is ahead of UTC at `instantMs` (+1 h for Warsaw in winter). */
function offsetAt(instantMs: number, zone: string): number {
  const wall = wallClock(instantMs, zone);
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return wallAsUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant when `zone`'s wall clock shows `timeMs` (milliseconds after midnight) on `date`.
 * The offsets a day either side are the only candidates (a zone changes offset at most once a
 * day). A time that occurs twice (autumn) is the earlier; one that does not occur (a spring
 * gap) moves later by the gap, as the JavaScript Temporal API's `compatible` disambiguation does.
 */
export function zonedInstant(date: CivilDate, timeMs: number, zone: string): number {
  const wallAsUtc = Date.UTC(date.year, date.month - 1, date.day) + timeMs;
  const before = offsetAt(wallAsUtc - DAY_MS, zone);
  const after = offsetAt(wallAsUtc + DAY_MS, zone);
  const valid = [wallAsUtc - before, wallAsUtc - after].filter((t) => wallAsUtc - offsetAt(t, zone) === t);
  return valid.length > 0 ? Math.min(...valid) : wallAsUtc - before;
}

/** `date` moved by `days` calendar days. */
export function addDays(date: CivilDate, days: number): CivilDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}
