/**
 * How the pages write a moment (web/ui.tsx `formatTime`): in the zone asked for, whichever zone
 * came before it (a formatter is kept for each zone), across a change of daylight saving time;
 * the moments inside stored texts; a page's times in the viewer's saved zone without JavaScript;
 * the zones Settings offers, by their current names; and how long ago, as the header's counters say it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsx } from 'hono/jsx';
import { CURRENT_ZONE_NAMES, currentZoneName, isTimeZone, timeZoneChoices } from '../../services/time-zones.js';
import { instantsIn } from '../../workflows/lib/zoned-time.js';
import { agoText, formatTime, Layout, Stamped, Time } from '../../web/ui.js';

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

describe('a moment inside a text gigflow wrote', () => {
  const delivered = 'The work is delivered. Accept it or ask for a revision by 2026-12-09T14:51:46.802Z, else it is accepted automatically.';

  it('reads as a time in the reader’s zone, the stored instant kept on hover', () => {
    const html = String(jsx(Stamped, { text: delivered, zone: 'Asia/Tokyo' }));
    assert.equal(
      html,
      'The work is delivered. Accept it or ask for a revision by <time datetime="2026-12-09T14:51:46.802Z" title="2026-12-09T14:51:46.802Z" data-zone="Asia/Tokyo">9 Dec 2026, 23:51 GMT+9</time>, else it is accepted automatically.',
    );
  });

  it('reads every instant of a text, to the minute or the millisecond, and leaves the rest as written (escaped)', () => {
    const parts = instantsIn('Work started; due 2026-12-10T14:46:57.445Z (K-09), reminder 2026-12-08T09:00Z <b>');
    assert.deepEqual(parts, ['Work started; due ', { at: '2026-12-10T14:46:57.445Z' }, ' (K-09), reminder ', { at: '2026-12-08T09:00Z' }, ' <b>']);
    const html = String(jsx(Stamped, { text: 'due 2026-12-10T14:46:57.445Z <b>' }));
    assert.match(html, /^due <time datetime="2026-12-10T14:46:57.445Z"[^>]*>10 Dec 2026, 14:46 UTC<\/time> &lt;b&gt;$/);
    assert.deepEqual(instantsIn('Three sketches drawn, 2026-12-10 at noon'), ['Three sketches drawn, 2026-12-10 at noon']);
    // The standing notices write their own UTC shape (workflows/standing/machine.ts).
    assert.deepEqual(instantsIn('Your offers are blocked until 2026-12-09 14:51 UTC: spam.'), ['Your offers are blocked until ', { at: '2026-12-09T14:51:00Z' }, ': spam.']);
  });
});

describe('a page without JavaScript', () => {
  const at = '2026-12-06T14:47:00Z';
  const render = (timeZone?: string) => String(jsx(Layout, { title: 'Order #1', viewer: { csrf: 'token', ...(timeZone ? { timeZone } : {}) } }, jsx(Time, { at }), jsx(Stamped, { text: `due ${at}` })));

  it('writes every time in the zone the viewer saved', () => {
    const html = render('Asia/Tokyo');
    assert.equal(html.match(/6 Dec 2026, 23:47 GMT\+9/g)?.length, 2, html);
    assert.doesNotMatch(html, /14:47 UTC/);
  });

  it('writes UTC for a viewer who saved none, or kept the default', () => {
    for (const zone of [undefined, 'UTC']) assert.equal(render(zone).match(/6 Dec 2026, 14:47 UTC/g)?.length, 2, `${zone}`);
  });
});

describe('the time zones a user can choose', () => {
  it('are listed by their current IANA names, each one a zone Intl accepts', () => {
    for (const current of ['Asia/Kolkata', 'Europe/Kyiv', 'America/Argentina/Buenos_Aires', 'Asia/Ho_Chi_Minh', 'Asia/Kathmandu']) assert.ok(timeZoneChoices.includes(current), current);
    for (const old of Object.keys(CURRENT_ZONE_NAMES)) assert.ok(!timeZoneChoices.includes(old), old);
    for (const zone of timeZoneChoices) assert.ok(isTimeZone(zone), zone);
    assert.deepEqual([...timeZoneChoices].sort(), timeZoneChoices);
  });

  it('map each old name Intl lists to the same zone under its current name', () => {
    const listed = Intl.supportedValuesOf('timeZone');
    const sameZone = (a: string, b: string) => new Intl.DateTimeFormat('en', { timeZone: a }).resolvedOptions().timeZone === new Intl.DateTimeFormat('en', { timeZone: b }).resolvedOptions().timeZone;
    for (const [old, current] of Object.entries(CURRENT_ZONE_NAMES)) {
      assert.ok(listed.includes(old), `${old} is listed`);
      assert.ok(isTimeZone(current) && sameZone(old, current), `${current} is ${old}`);
    }
    assert.equal(currentZoneName('Asia/Calcutta'), 'Asia/Kolkata');
    assert.equal(currentZoneName('Europe/Berlin'), 'Europe/Berlin');
  });
});

describe('how long ago, as the header says it (K-70: "last order N minutes ago")', () => {
  it('rounds down, on both sides of each unit’s boundary', () => {
    const at = '2026-12-04T14:20:00Z';
    const after = (ms: number) => Date.parse(at) + ms;
    const cases: [number, string][] = [
      [-5_000, 'just now'], // a clock a little behind the database's
      [0, 'just now'],
      [59_999, 'just now'],
      [60_000, '1 min ago'],
      [59 * 60_000 + 59_999, '59 min ago'],
      [60 * 60_000, '1 h ago'],
      [24 * 3_600_000 - 1, '23 h ago'],
      [24 * 3_600_000, '1 day ago'],
      [48 * 3_600_000, '2 days ago'],
    ];
    for (const [ms, text] of cases) assert.equal(agoText(at, after(ms)), text, `${ms} ms after`);
  });
});
