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

const instantFields: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' };

/**
 * One formatter a zone, made at its first time: making one costs about 130 µs, formatting with
 * it about 3, and a page lists dozens of times. Bounded by the IANA zones (an unknown zone
 * throws and is not kept).
 */
const instantFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * `4 Dec 2026, 15:20 UTC` in the given zone: how a person reads a moment, on a page (web/ui.tsx
 * `formatTime`) or in a mail (db/outbox.ts). An unknown zone throws a RangeError.
 */
export function formatInstant(at: string | number, timeZone = 'UTC'): string {
  let format = instantFormats.get(timeZone);
  if (!format) {
    // Fields, not `dateStyle`/`timeStyle`: those cannot be combined with `timeZoneName` (a TypeError).
    format = new Intl.DateTimeFormat('en-GB', { ...instantFields, timeZone });
    instantFormats.set(timeZone, format);
  }
  return format.format(new Date(at));
}

/**
 * An instant as the workflows write it into a stored text: `toISOString()`'s shape ("due
 * 2026-12-10T14:46:57.445Z"), to the minute at least, or the standing notices' "until
 * 2026-12-09 14:51 UTC"; always in UTC.
 */
const STORED_INSTANT = /\b(\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?Z| (\d{2}:\d{2}) UTC)\b/g;

/** A stored text with its instants apart: strings as they are, each instant as `{ at }` (ISO). */
export function instantsIn(text: string): (string | { at: string })[] {
  const parts: (string | { at: string })[] = [];
  let from = 0;
  for (const match of text.matchAll(STORED_INSTANT)) {
    const at = match[2] ? `${match[1]}T${match[2]}:00Z` : match[0];
    if (Number.isNaN(Date.parse(at))) continue;
    if (match.index > from) parts.push(text.slice(from, match.index));
    parts.push({ at });
    from = match.index + match[0].length;
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}
