/**
 * The affiliate programme's first slice (issue 18; W-19, W-21…W-23, W-27, D-07) through the real
 * API and the web client posted in-process (no Chromium): becoming an affiliate with personal
 * data, the cookie notice's consent before any first-touch cookie, the first link kept over a
 * later one, registration linking the new user as `pending`, assignment by a completed job at the
 * 3-month boundary ± 1 minute (`assignOnCompletedJob`, jobs not existing yet), and the dashboard
 * showing logins in part; the Order a Job form's new account linked like a registration. Time moves by the services' manual clock.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { assignOnCompletedJob } from '../../db/affiliates.js';
import { createServices } from '../../services/index.js';
import { createWeb } from '../../web/app.js';
import { MINUTE } from '../../workflows/lib/time.js';
import { maskLogin } from '../../workflows/lib/referral.js';
import { callerFor, manualClock, PASSWORD, signIn, signUp, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, uniqueId, type TestDatabase } from '../support/harness.js';
import { unreachableProviders } from '../support/payments.js';

const WEB = 'http://web.test';
/** First visits here: 30 November 2026, 12:00 UTC; 3 calendar months on is 28 February 2027 (the day clamps). */
const T0 = Date.parse('2026-11-30T12:00:00.000Z');
const WINDOW_END = Date.parse('2027-02-28T12:00:00.000Z');

describe('affiliates: sign-up, consented first-touch attribution, the dashboard', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  let web: ReturnType<typeof createWeb>;
  const clock = manualClock(new Date(T0));
  const setClock = (ms: number) => clock.advance(ms - clock.now().getTime());
  const csrf = 'c'.repeat(43);
  let affiliate: TestUser;
  let code: string;
  let other: TestUser;
  let otherCode: string;
  let serial = 0;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, clock, webUrl: WEB }));
    const services = createServices({ db: database.db, temporal, clock, taskQueue: uniqueId('web'), providers: unreachableProviders(), webUrl: WEB });
    web = createWeb({ services, logger: pino({ level: 'silent' }) });
    [affiliate, other] = await Promise.all([signUp(call, 'aff'), signUp(call, 'aff_other')]);
    code = await become(affiliate);
    otherCode = await become(other);
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  async function become(user: TestUser): Promise<string> {
    const res = await call('POST', '/me/affiliate', { token: user.token, body: { firstName: 'Ada', lastName: 'Lovelace', country: 'pl' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.code;
  }

  /** A request of an anonymous browser with `cookies`, or its form post. */
  function browse(path: string, cookies: Record<string, string>, form?: Record<string, string>, origin = WEB) {
    const cookie = Object.entries({ gf_csrf: csrf, ...cookies })
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    if (!form) return web.request(`${origin}${path}`, { headers: { cookie } });
    return web.request(`${origin}${path}`, {
      method: 'POST',
      headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
    });
  }
  const setCookies = (res: Response) => res.headers.getSetCookie();
  const visitCookie = (res: Response) => setCookies(res).find((c) => c.startsWith('gf_aff='));
  const tokenOf = (cookie: string) => cookie.slice('gf_aff='.length).split(';')[0]!;
  const visits = async () => (await database.db.sql<{ n: number }[]>`select count(*)::int as n from affiliate_visits`)[0]!.n;

  /** Registers a new user through the web sign-up form with the browser's first-touch cookie; answers their id and login. */
  async function registerWith(visitToken: string | undefined) {
    const login = `aff_client_${process.pid}_${++serial}`;
    const res = await browse('/sign-up', { gf_cookies: 'accepted', ...(visitToken ? { gf_aff: visitToken } : {}) }, { login, email: `${login}@example.com`, password: PASSWORD });
    assert.equal(res.status, 303, await res.text());
    if (visitToken) assert.ok(setCookies(res).some((c) => c.startsWith('gf_aff=;')), 'the used first-touch cookie is forgotten');
    const [row] = await database.db.sql<{ id: number }[]>`select id from users where login = ${login}`;
    return { id: Number(row!.id), login };
  }
  /** A consented first visit through `linkCode` at `atMs`: the cookie's visit token. */
  async function firstVisit(linkCode: string, atMs: number): Promise<string> {
    setClock(atMs);
    const cookie = visitCookie(await browse(`/a/${linkCode}`, { gf_cookies: 'accepted' }));
    assert.ok(cookie, 'a consented visit sets the first-touch cookie');
    return tokenOf(cookie);
  }
  const assign = (clientId: number, atMs: number) => database.db.orm.transaction((tx) => assignOnCompletedJob(tx, clientId, new Date(atMs).toISOString()));
  const dashboard = async (user: TestUser) => {
    const res = await call('GET', '/me/affiliate/referrals', { token: user.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items as { login: string; state: string; attributionExpiresAt: string }[];
  };

  it('makes an affiliate with a random link at level 1 (10 %), keeps the link on an update, and refuses bad input with 400 and 422 (W-22, D-07)', async () => {
    const res = await call('GET', '/me/affiliate', { token: affiliate.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.link, `${WEB}/a/${code}`);
    assert.match(code, /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(code, otherCode);
    assert.deepEqual([res.body.country, res.body.level, res.body.levelBps], ['PL', 1, 1_000]);

    const company = { name: 'Analytical Engines Ltd', address: '1 Main St, Warsaw', taxId: 'PL 526-025-02-74' };
    const updated = await call('POST', '/me/affiliate', { token: affiliate.token, body: { firstName: 'Ada', lastName: 'King', country: 'GB', company } });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.deepEqual([updated.body.code, updated.body.lastName, updated.body.company], [code, 'King', company]);

    const newcomer = await signUp(call, 'aff_new');
    assert.equal((await call('GET', '/me/affiliate', { token: newcomer.token })).status, 404);
    const post = (body: Record<string, unknown>) => call('POST', '/me/affiliate', { token: newcomer.token, body });
    for (const [body, status, field] of [
      [{ lastName: 'X', country: 'PL' }, 400, 'body.firstName'],
      [{ firstName: 'A', lastName: 'X', country: 'POL' }, 400, 'body.country'],
      [{ firstName: 'A', lastName: 'X', country: 'PL', company: { name: 'Co' } }, 400, 'body.company.address'],
      [{ firstName: 'A', lastName: 'X', country: 'XX' }, 422, 'body.country'],
      [{ firstName: 'A', lastName: 'X', country: 'PL', company: { ...company, taxId: '??' } }, 422, 'body.company.taxId'],
    ] as const) {
      const r = await post(body);
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.ok(r.body.error.details.fields.some((f: { path: string }) => f.path === field), JSON.stringify(r.body));
    }
    const form = (fields: Record<string, string>) => browse('/affiliate', { gf_session: newcomer.token, gf_cookies: 'accepted' }, { firstName: 'A', lastName: 'X', companyName: '', companyAddress: '', companyTaxId: '', ...fields });
    const refused = await form({ country: 'XX' });
    const page = await refused.text();
    assert.equal(refused.status, 422, page);
    assert.match(page, /<span class="error" id="f-country-error" role="alert">XX is not an ISO 3166-1 alpha-2 country code<\/span>/);
    // The refusal's field is the API's `company.taxId`: the page shows it beside its own tax id field.
    const taxId = await form({ country: 'PL', companyName: 'Co', companyAddress: '1 Main St', companyTaxId: '??' });
    assert.equal(taxId.status, 422);
    assert.match(await taxId.text(), /<span class="error" id="f-companyTaxId-error" role="alert">The tax id does not look like one<\/span>/);
    assert.equal((await form({ country: 'POL' })).status, 400);
    assert.equal((await call('GET', '/me/affiliate', { token: newcomer.token })).status, 404, 'nothing was stored');
  });

  it('shows the cookie notice and records nothing through a link until the visitor accepts cookies (W-21)', async () => {
    const before = await visits();
    // Unanswered, the link shows the notice, whose answer comes back to the link (so accepting keeps the first touch).
    const unanswered = await browse(`/a/${code}`, {});
    assert.equal(unanswered.status, 200);
    assert.equal(visitCookie(unanswered), undefined);
    assert.match(await unanswered.text(), new RegExp(`aria-label="cookie notice"[^]*name="next" value="/a/${code}"`));
    const declined = await browse(`/a/${code}`, { gf_cookies: 'declined' });
    assert.equal(declined.status, 303);
    assert.equal(declined.headers.get('location'), '/');
    assert.equal(visitCookie(declined), undefined);
    assert.equal(await visits(), before);
    assert.match(await (await browse('/sign-in', {})).text(), /aria-label="cookie notice"/);
    assert.doesNotMatch(await (await browse('/sign-in', { gf_cookies: 'accepted' })).text(), /aria-label="cookie notice"/);

    const accepted = await browse('/cookie-consent', {}, { choice: 'accept', next: '/a/x' });
    assert.equal(accepted.status, 303);
    assert.equal(accepted.headers.get('location'), '/a/x');
    assert.ok(setCookies(accepted).some((c) => c.startsWith('gf_cookies=accepted;') && /HttpOnly/.test(c)));
    for (const bad of [{ choice: 'decline', next: '//evil.example/' }, { choice: 'accept', next: 'https://evil.example/' }, { choice: 'maybe' }] as Record<string, string>[]) {
      const refused = await browse('/cookie-consent', {}, bad);
      assert.equal(refused.status, 400, JSON.stringify(bad));
      assert.ok(!setCookies(refused).some((c) => c.startsWith('gf_cookies=')));
    }

    const https = await browse(`/a/${code}`, { gf_cookies: 'accepted' }, undefined, 'https://web.test');
    const cookie = visitCookie(https);
    assert.ok(cookie);
    for (const attr of [/HttpOnly/, /SameSite=Lax/, /Secure/, /Max-Age=8035200/, /Path=\//]) assert.match(cookie, attr);
    assert.equal(await visits(), before + 1);
  });

  it('keeps the first link over a later one and links the new user to the first affiliate as pending (W-23)', async () => {
    const token = await firstVisit(code, T0);
    const second = await browse(`/a/${otherCode}`, { gf_cookies: 'accepted', gf_aff: token });
    assert.equal(second.status, 303);
    assert.equal(visitCookie(second), undefined, 'a later link never replaces the first');
    const unknown = await browse('/a/AAAAAAAAAAAAAAAAAAAAAA', { gf_cookies: 'accepted' });
    assert.equal(visitCookie(unknown), undefined);

    const client = await registerWith(token);
    const mine = await dashboard(affiliate);
    const row = mine.find((r) => r.login === maskLogin(client.login));
    assert.ok(row, JSON.stringify(mine));
    assert.deepEqual([row.state, row.attributionExpiresAt], ['pending', new Date(WINDOW_END).toISOString()]);
    assert.equal((await dashboard(other)).length, 0);
    // A stale or edited cookie never stops a registration; it links nothing.
    await registerWith('Z'.repeat(43));
    assert.equal((await dashboard(affiliate)).length, mine.length);
  });

  it('links the account the Order a Job form creates to the first link’s affiliate, as a registration does, and forgets the cookie (W-01, W-23)', async () => {
    const token = await firstVisit(code, T0);
    assert.equal(visitCookie(await browse(`/a/${otherCode}`, { gf_cookies: 'accepted', gf_aff: token })), undefined, 'the first link stays');
    const login = `aff_job_${process.pid}`;
    const form = { title: 'Fix my checkout', description: 'The checkout page shows a blank screen.', siteUrl: '', urgency: 'high', budget: '150', idempotencyKey: randomUUID(), email: `${login}@example.com`, username: login };
    const res = await browse('/jobs/new', { gf_cookies: 'accepted', gf_aff: token }, form);
    assert.equal(res.status, 303, await res.text());
    assert.ok(setCookies(res).some((c) => c.startsWith('gf_aff=;')), 'the used first-touch cookie is forgotten');
    const row = (await dashboard(affiliate)).find((r) => r.login === maskLogin(login));
    assert.ok(row, 'the new client shows on the first link’s dashboard');
    assert.deepEqual([row.state, row.attributionExpiresAt], ['pending', new Date(WINDOW_END).toISOString()]);
    assert.equal((await dashboard(other)).length, 0, 'the later link earns nothing');
    const [job] = await database.db.sql<{ status: string }[]>`select j.status from jobs j join users u on u.id = j.client_id where u.login = ${login}`;
    assert.equal(job?.status, 'awaiting_verification', 'the job was ordered in the same submission');
    // A stale or edited cookie never stops an order; it links nothing.
    const stale = await browse('/jobs/new', { gf_cookies: 'accepted', gf_aff: 'Z'.repeat(43) }, { ...form, idempotencyKey: randomUUID(), email: `${login}_2@example.com`, username: `${login}_2` });
    assert.equal(stale.status, 303, await stale.text());
    assert.equal((await dashboard(affiliate)).filter((r) => r.login === maskLogin(`${login}_2`)).length, 0);
  });

  it('assigns a client by a job completed up to exactly 3 months after the first visit, not a minute later (W-23)', async () => {
    const [early, exact, late] = [await registerWith(await firstVisit(code, T0)), await registerWith(await firstVisit(code, T0)), await registerWith(await firstVisit(code, T0))];
    assert.equal(await assign(early.id, WINDOW_END - MINUTE), affiliate.id);
    assert.equal(await assign(exact.id, WINDOW_END), affiliate.id);
    assert.equal(await assign(late.id, WINDOW_END + MINUTE), null);
    assert.equal(await assign(early.id, WINDOW_END + MINUTE), affiliate.id, 'assigned for good: a later job changes nothing');
    const nobody = await registerWith(undefined);
    assert.equal(await assign(nobody.id, T0 + MINUTE), null);

    setClock(WINDOW_END + MINUTE);
    affiliate = { ...affiliate, token: (await signIn(call, affiliate)).token }; // the 30-day session ended meanwhile
    const states = new Map((await dashboard(affiliate)).map((r) => [r.login, r.state]));
    assert.deepEqual(
      [early, exact, late].map((u) => states.get(maskLogin(u.login))),
      ['assigned', 'assigned', 'expired'],
    );
  });

  it('shows the affiliate only part of each registered user’s login (W-19, W-27)', async () => {
    const items = await dashboard(affiliate);
    assert.ok(items.length > 0);
    for (const item of items) {
      assert.match(item.login, /^[a-z0-9_]{2}\*\*\*[a-z0-9_]{2}$/);
      assert.ok(!item.login.includes('aff_client'));
    }
    const page = await (await browse('/affiliate', { gf_session: affiliate.token, gf_cookies: 'accepted' })).text();
    assert.match(page, new RegExp(`/a/${code}`));
    assert.match(page, /id="affiliate-referrals"/);
    assert.doesNotMatch(page, /aff_client_/);
  });
});
