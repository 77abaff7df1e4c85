/**
 * Time as workflows and rules count it: durations in milliseconds, instants as ISO 8601
 * strings of workflow time (JSON-safe in payloads and state), and the business calendar.
 */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** An instant as workflows keep it: `2026-11-24T10:00:00.000Z`. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** Milliseconds since the epoch of an ISO instant. */
export const msOf = (time: string): number => Date.parse(time);

/**
 * `n` business days after `from`, at the same time of day. Business days are Monday to
 * Friday in UTC: the arbitration SLA (D-05) counts them so, as it did when orders began.
 */
export function addBusinessDays(from: string, n: number): string {
  let t = msOf(from);
  let left = n;
  while (left > 0) {
    t += DAY;
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) left--;
  }
  return iso(t);
}

/**
 * `ms` plus `months` calendar months in UTC, at the same time of day; a day the target month
 * lacks clamps to its last (31 Aug + 3 → 30 Nov), as PostgreSQL's `interval` counts, never a
 * day of the month after (`setUTCMonth` alone would give 1 December).
 */
export function addUtcMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d.getTime();
}
