/**
 * How the pages write a moment (web/ui.tsx `formatTime`): in the zone asked for, whichever zone
 * came before it (a formatter is kept for each zone), across a change of daylight saving time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTime } from '../../web/ui.js';

describe('a moment on a page', () => {
  it('is written in the zone asked for, one zone after another', () => {
    const winter = '2026-12-04T14:20:00Z';
    const summer = '2026-07-01T14:20:00Z';
    const expected: [string, string | undefined, string][] = [
      [winter, 'Europe/Berlin', '4 Dec 2026, 15:20 CET'],
      [winter, undefined, '4 Dec 2026, 14:20 UTC'],
      [summer, 'Europe/Berlin', '1 Jul 2026, 16:20 CEST'],
      [winter, 'America/New_York', '4 Dec 2026, 09:20 GMT-5'],
      [summer, 'UTC', '1 Jul 2026, 14:20 UTC'],
      [winter, 'Europe/Berlin', '4 Dec 2026, 15:20 CET'],
      [summer, 'America/New_York', '1 Jul 2026, 10:20 GMT-4'],
    ];
    for (const [iso, zone, text] of expected) assert.equal(formatTime(iso, zone), text, `${iso} in ${zone ?? 'the default zone'}`);
  });

  it('refuses a zone that does not exist, every time', () => {
    assert.throws(() => formatTime('2026-12-04T14:20:00Z', 'Mars/Olympus_Mons'), RangeError);
    assert.throws(() => formatTime('2026-12-04T14:20:00Z', 'Mars/Olympus_Mons'), RangeError);
  });
});
