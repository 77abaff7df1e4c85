/**
 * W-21: the holiday closure notice ("unavailable 6 and 7 January, quotes answered Monday 10th")
 * on the pages where clients order and follow jobs, from the business calendar of D-06.
 */
import type { FC } from 'hono/jsx';
import type { ClosureNotice } from '../../../payments/business-calendar.js';

/** `2027-01-06` → "Wednesday 6 January" (a calendar date: no time zone moves it). */
const dayOf = (iso: string): string =>
  new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });

export const ClosureBanner: FC<{ notice: ClosureNotice | null }> = ({ notice }) =>
  notice ? (
    <p class="notice" role="note" id="holiday-closure">
      Our experts are off on {notice.closed.map((d) => `${dayOf(d.date)} (${d.name})`).join(', ')}: estimates and answers resume on {dayOf(notice.reopensOn)}.
    </p>
  ) : null;
