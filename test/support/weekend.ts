/**
 * Instants on either side of a weekend's edges in three time zones — one east of UTC, UTC, and
 * one west of it across a daylight-saving change — for the weekend-hiding tests (unit and API).
 */
export interface WeekendCase {
  timeZone: string;
  /** The local time, as a person reads it. */
  local: string;
  at: Date;
  hidden: boolean;
}

const zones: { timeZone: string; edges: [string, string, string, string] }[] = [
  // Thursday 23:59, Friday 00:00, Sunday 23:59, Monday 00:00 local, written with the zone's offset.
  { timeZone: 'UTC', edges: ['2026-11-05T23:59:00Z', '2026-11-06T00:00:00Z', '2026-11-08T23:59:00Z', '2026-11-09T00:00:00Z'] },
  { timeZone: 'Asia/Tokyo', edges: ['2026-11-05T23:59:00+09:00', '2026-11-06T00:00:00+09:00', '2026-11-08T23:59:00+09:00', '2026-11-09T00:00:00+09:00'] },
  // Daylight saving ends on Sunday 1 November 2026 there: the weekend starts at -07:00, ends at -08:00.
  {
    timeZone: 'America/Los_Angeles',
    edges: ['2026-10-29T23:59:00-07:00', '2026-10-30T00:00:00-07:00', '2026-11-01T23:59:00-08:00', '2026-11-02T00:00:00-08:00'],
  },
];

const labels = ['Thursday 23:59', 'Friday 00:00', 'Sunday 23:59', 'Monday 00:00'] as const;
const hiddenAt = [false, true, true, false] as const;

export const weekendCases: WeekendCase[] = zones.flatMap(({ timeZone, edges }) =>
  edges.map((iso, i) => ({ timeZone, local: labels[i]!, at: new Date(iso), hidden: hiddenAt[i]! })),
);
