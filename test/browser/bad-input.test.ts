/**
 * Journey 6 (issue 14): bad input on every form of the web client is refused with a 4xx (never
 * a 5xx), its error shows beside the field it concerns (or on top of the form for a hidden
 * field or the form's address), and it changes nothing: neither the database (a fingerprint of
 * every business table before and after) nor any order's workflow (its view through the API).
 *
 * One table, `FORMS`, names each form by the pages it is on and a selector, the valid values
 * the rest of it is sent with, and each field's bad values with the status expected. Each
 * form is sent once for real (a value typed in Chromium and the form's own button), then every
 * field × value is posted from the page with `fetch` and this browser's CSRF token, the
 * body percent-encoded by hand so that bytes no browser sends (a NUL, a lone surrogate's WTF-8
 * bytes, a stray `%FF`) reach the server as they are. A last test fails for any form, or any
 * named control of one, on any page of `PAGES` that the table does not cover.
 *
 * Every page is opened once (the survey) to learn which forms it holds: the first test sends
 * each form's values from the first of its pages that has it, all the forms of a page from one
 * opening of it (the survey's own, when that page is the first the form lists); the last test
 * reads the survey. Pages are exercised `LANES` at a time, each
 * lane with a page of its own per persona: a form's cases are round trips, mostly waiting, and
 * one at a time left the machine idle. The database is compared before and after each form's
 * cases, in turn, naming the forms in flight beside it when it changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { pollUntil } from '../../scripts/poll.js';
import { routableKinds } from '../../services/notification-settings.js';
import { PASSWORD, signUp, type TestUser } from '../support/api.js';
import { assertAccessible, newPerson, openBrowser, signInAs, startWebStack, type WebStack } from '../support/browser.js';
import { sampleOf } from '../support/attachment-samples.js';
import { insertOffer } from '../support/catalog.js';
import { changedTables, fingerprinter, type Fingerprint } from '../support/fingerprint.js';
import { uniqueId } from '../support/harness.js';
import { actOk, fund, placeOrder, rowStatus } from '../support/orders.js';

/** A bad value: `text` is typed or posted as it is; `raw` is already percent-encoded (bytes no browser sends). */
interface Bad {
  label: string;
  text?: string;
  raw?: string;
  /** This value's own expected status, and where it shows, where they differ from its field's. */
  status?: number[];
  shows?: Shows;
}
const nul: Bad = { label: 'a NUL character', text: 'Sent with a\u0000NUL inside' };
const surrogate: Bad = { label: 'a lone surrogate (its WTF-8 bytes)', raw: 'Sent%20with%20a%ED%A0%80lone%20surrogate' };
const notUtf8: Bad = { label: 'a byte that is no UTF-8', raw: 'Sent%20with%20a%FFstray%20byte' };
const control: Bad = { label: 'a control character', text: 'Sent with a\u0007bell inside' };
const huge: Bad = { label: '100 000 characters', text: 'x'.repeat(100_000) };
const blank: Bad = { label: 'blank', text: '' };
const spaces: Bad = { label: 'only spaces', text: '     ' };
const beyondInt4: Bad = { label: 'beyond int4', text: '2147483648' };
const exponent: Bad = { label: '1e3', text: '1e3' };
const negative: Bad = { label: '-1', text: '-1' };
const fraction: Bad = { label: '12.345', text: '12.345' };
const letters: Bad = { label: 'abc', text: 'abc' };
const bogus: Bad = { label: 'no option of the form', text: 'bogus' };
const long: Bad = { label: '1000 characters', text: 'y'.repeat(1_000) };

const UNSTORABLE = [nul, surrogate, notUtf8, control];
const TEXT = [...UNSTORABLE, huge, blank, spaces];
const OPTIONAL_TEXT = [...UNSTORABLE, huge];
const NUMBER = [beyondInt4, exponent, negative, fraction, letters, nul, surrogate];
const CHOICE = [bogus, nul, surrogate, notUtf8];
/** Dollars for an install's price (W-06): $1 to $100,000. */
const PRICE = [...NUMBER, blank, { label: 'under the $1 minimum', text: '0.99' }, { label: 'over $100,000', text: '100000.01' }];
/** A query string: long, not huge (a 100 000-character address is refused by Node before the app, 431). */
const QUERY_TEXT = [...UNSTORABLE, long];

type Persona = 'anonymous' | 'buyer' | 'seller' | 'moderator' | 'arbiter' | 'admin';
const PERSONAS: readonly Persona[] = ['anonymous', 'buyer', 'seller', 'moderator', 'arbiter', 'admin'];

/**
 * Forms exercised at once. Three keeps both cores busy on a quiet machine (the server, Chromium
 * and PostgreSQL take turns) without crowding the other test file `npm test` runs beside this one.
 */
const LANES = 3;

interface World {
  users: Record<Exclude<Persona, 'anonymous'>, TestUser>;
  other: TestUser;
  offerId: number;
  othersOfferId: number;
  inModerationId: number;
  orders: Record<'fresh' | 'working' | 'review' | 'cancelling' | 'declined' | 'disputed' | 'caseReady' | 'caseTaken' | 'completed' | 'reviewed' | 'liked' | 'othersOrder', number>;
  /** The buyer's withdrawals: one waiting for its batch, one held by staff. */
  withdrawals: Record<'requested' | 'held', number>;
  cartLineId: number;
  othersCartLineId: number;
  othersNotificationId: number;
  /**
   * Service requests (K-44): the buyer's, active with the seller's answer; another user's,
   * active with no answer (the seller's answer forms); the buyer's, awaiting moderation.
   */
  requests: Record<'answered' | 'open' | 'inModeration', number>;
  /**
   * Estimated jobs (issue 18) of the buyer's, the seller being their expert: one in each state
   * whose page holds a form; and another client's open job (a tampered address).
   */
  jobs: Record<'open' | 'estimating' | 'estimated' | 'working' | 'delivered' | 'cancelling' | 'approved' | 'othersJob', number>;
}

/** Every page a user can reach that holds a form, with who opens it. */
const PAGES: Record<string, { as: Persona; path: (w: World) => string }> = {
  'sign-up': { as: 'anonymous', path: () => '/sign-up' },
  'sign-in': { as: 'anonymous', path: () => '/sign-in' },
  'confirm-email': { as: 'anonymous', path: () => '/confirm-email' },
  'forgot-password': { as: 'anonymous', path: () => '/forgot-password' },
  'reset-password': { as: 'anonymous', path: () => '/reset-password' },
  activate: { as: 'anonymous', path: () => '/activate' },
  'resend-activation': { as: 'anonymous', path: () => '/activation/resend' },
  'close-account': { as: 'buyer', path: () => '/settings/close-account' },
  settings: { as: 'buyer', path: () => '/settings' },
  'account-settings': { as: 'buyer', path: () => '/settings/account' },
  'notification-settings': { as: 'seller', path: () => '/settings/notifications' },
  invoicing: { as: 'buyer', path: () => '/settings/invoicing' },
  search: { as: 'buyer', path: () => '/search' },
  'search-in-category': { as: 'anonymous', path: () => '/search?categoryId=11' },
  offer: { as: 'buyer', path: (w) => `/offers/${w.offerId}` },
  'offer-signed-out': { as: 'anonymous', path: (w) => `/offers/${w.offerId}` },
  cart: { as: 'buyer', path: () => '/cart' },
  'top-up': { as: 'buyer', path: () => '/balance/top-up' },
  balance: { as: 'buyer', path: () => '/balance' },
  withdraw: { as: 'buyer', path: () => '/balance/withdraw' },
  'payout-details': { as: 'buyer', path: () => '/balance/payout-details' },
  withdrawal: { as: 'buyer', path: (w) => `/balance/withdrawals/${w.withdrawals.requested}` },
  favorites: { as: 'buyer', path: () => '/favorites' },
  notifications: { as: 'buyer', path: () => '/notifications' },
  messages: { as: 'buyer', path: () => '/messages' },
  'my-orders': { as: 'buyer', path: () => '/orders' },
  'order-groups': { as: 'buyer', path: () => '/order-groups' },
  'order-new-buyer': { as: 'buyer', path: (w) => `/orders/${w.orders.fresh}` },
  'order-new-seller': { as: 'seller', path: (w) => `/orders/${w.orders.fresh}` },
  'order-working-seller': { as: 'seller', path: (w) => `/orders/${w.orders.working}` },
  'order-review-buyer': { as: 'buyer', path: (w) => `/orders/${w.orders.review}` },
  'order-cancelling-buyer': { as: 'buyer', path: (w) => `/orders/${w.orders.cancelling}` },
  'order-cancelling-seller': { as: 'seller', path: (w) => `/orders/${w.orders.cancelling}` },
  'order-declined-buyer': { as: 'buyer', path: (w) => `/orders/${w.orders.declined}` },
  'order-disputed-seller': { as: 'seller', path: (w) => `/orders/${w.orders.disputed}` },
  'order-completed-buyer': { as: 'buyer', path: (w) => `/orders/${w.orders.completed}` },
  'order-liked-seller': { as: 'seller', path: (w) => `/orders/${w.orders.liked}` },
  'seller-dashboard': { as: 'seller', path: () => '/seller' },
  'my-offers': { as: 'seller', path: () => '/seller/offers' },
  'new-offer': { as: 'seller', path: () => '/seller/offers/new?category=11' },
  'edit-offer': { as: 'seller', path: (w) => `/seller/offers/${w.offerId}/edit` },
  moderation: { as: 'moderator', path: () => '/staff/moderation' },
  'arbitration-ready': { as: 'arbiter', path: (w) => `/staff/arbitration/${w.orders.caseReady}` },
  'arbitration-taken': { as: 'arbiter', path: (w) => `/staff/arbitration/${w.orders.caseTaken}` },
  attention: { as: 'admin', path: () => '/staff/attention' },
  'staff-closures': { as: 'admin', path: () => '/staff/closures' },
  'staff-withdrawals': { as: 'admin', path: () => '/staff/withdrawals' },
  'staff-withdrawal': { as: 'admin', path: (w) => `/staff/withdrawals/${w.withdrawals.requested}` },
  'staff-withdrawal-held': { as: 'admin', path: (w) => `/staff/withdrawals/${w.withdrawals.held}` },
  'provider-events': { as: 'admin', path: () => '/staff/provider-events' },
  'staff-top-ups': { as: 'admin', path: () => '/staff/top-ups' },
  'top-up-refund': { as: 'admin', path: () => '/staff/top-ups/1/refund' },
  'post-request': { as: 'buyer', path: () => '/requests/new' },
  'my-requests': { as: 'buyer', path: () => '/requests/mine' },
  'request-board': { as: 'seller', path: () => '/requests' },
  'staff-requests': { as: 'moderator', path: () => '/staff/requests' },
  'request-buyer': { as: 'buyer', path: (w) => `/requests/${w.requests.answered}` },
  'request-answered-seller': { as: 'seller', path: (w) => `/requests/${w.requests.answered}` },
  'request-open-seller': { as: 'seller', path: (w) => `/requests/${w.requests.open}` },
  'request-moderation': { as: 'moderator', path: (w) => `/requests/${w.requests.inModeration}` },
  affiliate: { as: 'buyer', path: () => '/affiliate' },
  // W-27, W-28: the seller is an affiliate with a PayPal address: the page has the wallet's forms.
  'affiliate-wallet': { as: 'seller', path: () => '/affiliate' },
  'new-job': { as: 'anonymous', path: () => '/jobs/new' },
  'new-job-buyer': { as: 'buyer', path: () => '/jobs/new' },
  'my-jobs': { as: 'buyer', path: () => '/jobs' },
  'expert-jobs': { as: 'seller', path: () => '/expert/jobs' },
  'staff-jobs': { as: 'admin', path: () => '/staff/jobs' },
  'staff-job-installs': { as: 'admin', path: () => '/staff/job-installs' },
  // The first install of the seeded catalog (W-06).
  'staff-job-install': { as: 'admin', path: () => '/staff/job-installs/1' },
  'job-open-expert': { as: 'seller', path: (w) => `/jobs/${w.jobs.open}` },
  'job-estimating-expert': { as: 'seller', path: (w) => `/jobs/${w.jobs.estimating}` },
  'job-estimating-staff': { as: 'admin', path: (w) => `/jobs/${w.jobs.estimating}` },
  'job-estimated-buyer': { as: 'buyer', path: (w) => `/jobs/${w.jobs.estimated}` },
  'job-working-expert': { as: 'seller', path: (w) => `/jobs/${w.jobs.working}` },
  'job-delivered-buyer': { as: 'buyer', path: (w) => `/jobs/${w.jobs.delivered}` },
  'job-cancelling-staff': { as: 'admin', path: (w) => `/jobs/${w.jobs.cancelling}` },
  'job-approved-buyer': { as: 'buyer', path: (w) => `/jobs/${w.jobs.approved}` },
  'cookie-consent': { as: 'anonymous', path: () => '/cookie-consent' },
};
const ALL_PAGES = Object.keys(PAGES);
const SIGNED_IN_PAGES = ALL_PAGES.filter((p) => PAGES[p]!.as !== 'anonymous');
const ORDER_PAGES = ALL_PAGES.filter((p) => p.startsWith('order-'));
const JOB_PAGES = ALL_PAGES.filter((p) => p.startsWith('job-'));

/** Where the refusal shows: beside the field, on top of the form (or page), or as the 404 page. */
type Shows = 'field' | 'form' | 'not-found';

interface FieldCases {
  values: (Bad | ((w: World) => Bad))[];
  /** Expected status (one of them); 400 when absent. */
  status?: number | number[];
  shows?: Shows;
  /** Other fields' values for this field's cases (a split's amount needs `kind=split`). */
  fill?: Record<string, string>;
}

interface FormRow {
  pages: string[];
  form: string;
  /** Valid values for the form's other fields; the rest are sent as the page rendered them. */
  fill?: (w: World) => Record<string, string>;
  /** Fields by name; `@action` is the form's address (a tampered id); none: why the form takes no input. */
  fields: Record<string, FieldCases>;
  none?: string;
}

const at = (label: string, path: (w: World) => string) => (w: World): Bad => ({ label, raw: path(w) });
/** The order action forms' hidden `type`, tampered: refused on top of the actions. */
const actionType: FieldCases = { values: [bogus, nul, { label: 'a staff action', text: 'decide_dispute' }], shows: 'form' };
const orderAddress = (type: string): FieldCases => ({
  values: [at('another user’s order', (w) => `/orders/${w.orders.othersOrder}/actions`), { label: 'an id beyond int8', raw: '/orders/99999999999999999999/actions' }],
  status: 404,
  shows: 'not-found',
  fill: { type },
});
/**
 * An order action's form. `confirm`: the box an action that cannot be undone is sent with: its
 * own cases are values no box sends; every other field's cases send it ticked, as a browser
 * only sends the form ticked (never with the field's own cases: the raw send would repeat it).
 */
const action = (type: string, fields: Record<string, FieldCases> = {}, confirm?: string): FormRow => {
  const ticked = (cases: FieldCases): FieldCases => (confirm ? { ...cases, fill: { ...cases.fill, [confirm]: 'on' } } : cases);
  const own = { type: actionType, '@action': orderAddress(type), ...fields };
  return {
    pages: ORDER_PAGES,
    form: `#action-${type}`,
    fields: { ...Object.fromEntries(Object.entries(own).map(([name, cases]) => [name, ticked(cases)])), ...(confirm ? { [confirm]: { values: [bogus, nul, surrogate] } } : {}) },
  };
};

/** W-18: valid invoicing data of a Polish company but for `field`. */
function invoicingOthers(field: string): Record<string, string> {
  const valid = { firstName: 'Anna', lastName: 'Nowak', country: 'PL', companyName: 'Nowak Studio', companyAddress: 'ul. Dluga 1, Warszawa', taxId: '5252248481' };
  return Object.fromEntries(Object.entries(valid).filter(([k]) => k !== field));
}

/** The affiliate form's valid values (W-22), all but `field`. */
function affiliateFill(field: string): Record<string, string> {
  const valid: Record<string, string> = { firstName: 'Ada', lastName: 'Lovelace', country: 'PL', companyName: 'Engines Ltd', companyAddress: '1 Main St, Warsaw', companyTaxId: 'PL5260250274' };
  delete valid[field];
  return valid;
}

/** Every form of every page in `PAGES`. Adding a form is a line here; the last test fails until it is. */
const FORMS: FormRow[] = [
  { pages: ALL_PAGES, form: 'form.quick-search', fields: { q: { values: QUERY_TEXT } } },
  { pages: SIGNED_IN_PAGES, form: 'form[action="/sign-out"]', fields: {}, none: 'signing out takes no input' },
  // W-21: the cookie notice (on every page until answered, and the cookie page); a way back off the site is refused.
  {
    pages: ALL_PAGES,
    form: 'form.cookie-consent',
    fields: {
      choice: { values: CHOICE, shows: 'form' },
      next: { values: [nul, { label: 'another site', text: '//evil.example/' }, { label: 'an absolute address', text: 'https://evil.example/' }], shows: 'form', fill: { choice: 'accept' } },
    },
  },
  // The affiliate form (W-22): each field's cases fill the others validly (never the field itself: the raw send would repeat it).
  {
    pages: ['affiliate', 'affiliate-wallet'],
    form: 'form[action="/affiliate"]',
    fields: {
      firstName: { values: TEXT, fill: affiliateFill('firstName') },
      lastName: { values: TEXT, fill: affiliateFill('lastName') },
      country: { values: [...TEXT, { label: 'three letters', text: 'POL' }], fill: affiliateFill('country') },
      companyName: { values: [...OPTIONAL_TEXT, blank], fill: affiliateFill('companyName') },
      companyAddress: { values: [...OPTIONAL_TEXT, blank], fill: affiliateFill('companyAddress') },
      companyTaxId: { values: [...OPTIONAL_TEXT, blank, { label: 'no tax id', text: '??', status: [422] }], fill: affiliateFill('companyTaxId') },
    },
  },
  {
    pages: ['affiliate', 'affiliate-wallet'],
    form: 'form[action="/affiliate"]',
    fields: { country: { values: [{ label: 'an unknown country', text: 'XX' }], status: 422, fill: { firstName: 'Ada', lastName: 'Lovelace' } } },
  },
  // W-28, W-30: where affiliate payouts go, and a withdrawal (the wallet is empty: any valid amount is more than it holds, 422).
  {
    pages: ['affiliate-wallet'],
    form: 'form[action="/affiliate/payout-settings"]',
    fields: { paypalEmail: { values: [...TEXT, letters], fill: { autoPayout: 'on' } }, autoPayout: { values: [bogus, nul], fill: { paypalEmail: 'ada@example.com' } } },
  },
  // W-06: staff's install catalog: a new install, and an install's price, description and whether it is offered.
  {
    pages: ['staff-job-installs'],
    form: 'form[action="/staff/job-installs"]',
    fill: () => ({ name: 'Staging site', description: 'A copy of your site to try changes on.', price: '49' }),
    fields: { name: { values: TEXT }, description: { values: TEXT }, price: { values: PRICE } },
  },
  {
    pages: ['staff-job-install'],
    form: '#install-form',
    fill: () => ({ description: 'Installs WordPress on your hosting.', price: '49', active: 'on' }),
    fields: {
      description: { values: TEXT },
      price: { values: PRICE },
      active: { values: [bogus, nul] },
      '@action': { values: [at('an id beyond int8', () => '/staff/job-installs/99999999999999999999'), at('an install nobody added', () => '/staff/job-installs/2147483647')], status: 404, shows: 'not-found' },
    },
  },
  {
    pages: ['affiliate-wallet'],
    form: 'form[action="/affiliate/withdrawals"]',
    fields: { amount: { values: [...NUMBER, blank, { label: 'under the $1 minimum', text: '0.99' }, { label: 'more than the wallet holds', text: '5', status: [422] }] } },
  },
  {
    pages: ['sign-up'],
    form: 'form[action="/sign-up"]',
    fill: () => ({ login: `new_${uniqueId('u').slice(-10)}`.replace(/-/g, '_'), email: `${uniqueId('e')}@example.com`, password: PASSWORD }),
    fields: { login: { values: [...TEXT, { label: 'a space', text: 'with space' }] }, email: { values: [...TEXT, letters] }, password: { values: [...UNSTORABLE, blank, huge] } },
  },
  {
    pages: ['sign-in'],
    form: 'form[action="/sign-in"]',
    fill: (w) => ({ login: w.users.buyer.login, password: PASSWORD }),
    fields: { login: { values: [...UNSTORABLE, huge, blank] }, password: { values: [...UNSTORABLE, blank, huge] }, next: { values: UNSTORABLE, shows: 'form' } },
  },
  { pages: ['confirm-email'], form: 'form[action="/confirm-email"]', fields: { code: { values: [...UNSTORABLE, huge, blank] } } },
  { pages: ['forgot-password'], form: 'form[action="/forgot-password"]', fields: { email: { values: [...TEXT, letters] } } },
  {
    pages: ['reset-password'],
    form: 'form[action="/reset-password"]',
    fill: () => ({ code: 'no-such-code-0123456789', password: PASSWORD }),
    fields: { code: { values: [...UNSTORABLE, huge, blank] }, password: { values: [...UNSTORABLE, blank, huge], fill: { code: 'x'.repeat(300) } } },
  },
  {
    // W-01: an unknown (well-formed) code is refused beside the code field too.
    pages: ['activate'],
    form: 'form[action="/activate"]',
    fill: () => ({ token: 'no-such-code-0123456789', password: PASSWORD }),
    fields: { token: { values: [...UNSTORABLE, huge, blank] }, password: { values: [...UNSTORABLE, blank, huge], fill: { token: 'x'.repeat(300) } } },
  },
  { pages: ['resend-activation'], form: 'form[action="/activation/resend"]', fields: { email: { values: [...TEXT, letters] } } },
  // W-20: the reason is required and bounded.
  { pages: ['close-account'], form: 'form[action="/settings/close-account"]', fields: { reason: { values: [...TEXT, { label: '1001 characters', text: 'z'.repeat(1_001) }] } } },
  {
    pages: ['settings'],
    form: 'form[action="/settings"]',
    fields: { displayName: { values: OPTIONAL_TEXT }, timeZone: { values: [...CHOICE, blank, { label: 'no zone', text: 'Mars/Olympus' }] }, hideOnWeekends: { values: [bogus, nul] } },
  },
  // The password, email and login changes: each form's bounds answer 400 beside the field; a wrong
  // password the service's 401, a login or email taken (or the current email) its 409, beside the field.
  // Each field's `fill` holds the others valid, the password the right one: only the field under test is wrong.
  {
    pages: ['account-settings'],
    form: '#password-form',
    fields: {
      currentPassword: { values: [...UNSTORABLE, blank, huge, { label: 'a wrong password', text: 'not the password', status: [401] }], fill: { newPassword: 'a brand new passphrase' } },
      newPassword: { values: [...UNSTORABLE, blank, huge, { label: 'one character short', text: 'x'.repeat(9) }], fill: { currentPassword: PASSWORD } },
    },
  },
  {
    pages: ['account-settings'],
    form: '#email-form',
    fields: {
      email: {
        values: [...TEXT, letters, (w) => ({ label: 'another user’s email', text: w.other.email, status: [409] }), (w) => ({ label: 'the current email', text: w.users.buyer.email, status: [409] })],
        fill: { password: PASSWORD },
      },
      password: { values: [...UNSTORABLE, blank, huge, { label: 'a wrong password', text: 'not the password', status: [401] }], fill: { email: 'moved.elsewhere@example.com' } },
    },
  },
  {
    // K-67: the buyer has not used their one change; every case here is refused, so they keep it.
    pages: ['account-settings'],
    form: '#login-form',
    fields: {
      login: { values: [...TEXT, { label: 'a space', text: 'with space' }, (w) => ({ label: 'another user’s login', text: w.other.login.toUpperCase(), status: [409] })], fill: { password: PASSWORD } },
      password: { values: [...UNSTORABLE, blank, huge, { label: 'a wrong password', text: 'not the password', status: [401] }], fill: { login: 'never_renamed' } },
    },
  },
  {
    // W-18: the form's bounds answer 400 beside the field; the service's country and tax-id checks 422 beside it.
    // Each field's `fill` holds the others valid (never the field itself: it would be sent twice).
    pages: ['invoicing'],
    form: 'form[action="/settings/invoicing"]',
    fields: {
      firstName: { values: TEXT },
      lastName: { values: TEXT },
      country: { values: [...TEXT, letters, { label: 'no such country', text: 'XX', status: [422] }], fill: invoicingOthers('country') },
      companyName: { values: [...OPTIONAL_TEXT, { label: 'blank beside an address and a tax id', text: '' }], fill: invoicingOthers('companyName') },
      companyAddress: { values: OPTIONAL_TEXT },
      taxId: { values: [...OPTIONAL_TEXT, { label: 'a NIP whose check digit is wrong', text: '5252248482', status: [422] }], fill: invoicingOthers('taxId') },
    },
  },
  {
    pages: ['notification-settings'],
    form: 'form[action="/settings/notifications"]',
    fields: {
      // Every kind's choice is the same control: the first gets every bad value, the rest one each.
      ...Object.fromEntries(routableKinds.map((kind, i): [string, FieldCases] => [`kind_${kind}`, { values: i === 0 ? [...CHOICE, blank] : [bogus] }])),
      category: { values: [letters, negative, nul, surrogate, { label: 'no such category', text: '999999', shows: 'form' }, { ...beyondInt4, shows: 'form' }] },
    },
  },
  {
    pages: ['search', 'search-in-category'],
    form: '#search-form',
    fields: {
      q: { values: QUERY_TEXT },
      categoryId: { values: [...NUMBER, bogus] },
      minPrice: { values: NUMBER },
      maxPrice: { values: NUMBER },
      maxLeadTimeDays: { values: [...NUMBER, { label: '366 days', text: '366' }] },
      minSellerRating: { values: [...NUMBER, { label: '101 %', text: '101' }] },
      minFeedbacks: { values: NUMBER },
      activeWithinDays: { values: [...NUMBER, bogus] },
      sort: { values: CHOICE },
      sellerLevel: { values: CHOICE },
      attr: { values: [...CHOICE, { label: 'no key', text: ':minimalist' }] },
    },
  },
  {
    pages: ['offer', 'offer-signed-out'],
    form: '#order-form',
    fields: {
      packageTier: { values: CHOICE },
      units: { values: [...NUMBER, { label: 'zero', text: '0' }] },
      optionIds: { values: [...NUMBER, { label: 'another offer’s option', text: '999' }] },
      requirements: { values: OPTIONAL_TEXT },
      idempotencyKey: { values: [...UNSTORABLE, blank, huge], shows: 'form' },
    },
  },
  {
    pages: ['offer'],
    form: 'form[action^="/favorites/"]',
    fields: {
      favorite: { values: [bogus, nul, surrogate], shows: 'form' },
      '@action': { values: [at('an id beyond int8', () => '/favorites/99999999999999999999'), at('an id beyond int4', () => '/favorites/2147483648')], status: 404, shows: 'not-found' },
    },
  },
  {
    pages: ['favorites'],
    form: 'form[action^="/favorites/"]',
    fields: {
      back: { values: [...UNSTORABLE, { label: 'another site', text: '//evil.example/' }], shows: 'form' },
      '@action': { values: [at('an offer not among them', (w) => `/favorites/${w.othersOfferId}0`)], status: 404, shows: 'not-found' },
    },
  },
  {
    pages: ['cart'],
    form: 'form[action^="/cart/items/"]',
    fields: {
      '@action': {
        values: [at('another user’s line', (w) => `/cart/items/${w.othersCartLineId}/remove`), at('an id beyond int8', () => '/cart/items/99999999999999999999/remove')],
        status: 404,
        shows: 'not-found',
      },
    },
  },
  { pages: ['cart'], form: '#checkout', fields: { idempotencyKey: { values: [...UNSTORABLE, blank, huge], shows: 'form' } } },
  {
    // K-06: the offers and the brief of an order group; a well-formed choice the rules refuse (one offer) is the form's refusal.
    pages: ['order-groups'],
    form: '#order-group-form',
    fill: () => ({ brief: 'A logo for a bakery, warm colours.' }),
    fields: {
      offerIds: { values: [...UNSTORABLE, letters, huge, negative, { label: 'one offer', text: '1', status: [422], shows: 'form' }] },
      brief: { values: TEXT, fill: { offerIds: '1 2' } },
      idempotencyKey: { values: [...UNSTORABLE, blank, huge], shows: 'form' },
    },
  },
  {
    // K-47: the amount and the method only; the card is typed on the provider's page.
    pages: ['top-up'],
    form: 'form[action="/balance/top-up"]',
    fill: () => ({ method: 'card' }),
    fields: {
      amount: { values: [...NUMBER, blank, { label: 'under the minimum', text: '0.99' }, { label: 'over the maximum', text: '10000.01' }] },
      method: { values: [...CHOICE, blank], fill: { amount: '50' } },
      idempotencyKey: { values: [...UNSTORABLE, blank, huge], shows: 'form', fill: { amount: '50' } },
    },
  },
  {
    pages: ['withdraw'],
    // The amount is prefilled with what is withdrawable: the key's cases send it as it is.
    form: '#withdraw-form',
    fields: {
      amount: {
        values: [
          ...NUMBER,
          blank,
          { label: 'under the smallest withdrawal', text: '0.99' },
          { label: 'over the largest withdrawal', text: '10000.01' },
          // Well-formed, but more than is withdrawable: the service's refusal, on top of the form.
          { label: 'more than is withdrawable', text: '9999', status: [422], shows: 'form' },
        ],
      },
      idempotencyKey: { values: [...UNSTORABLE, blank, huge], shows: 'form' },
    },
  },
  { pages: ['payout-details'], form: '#card-form', fields: {}, none: 'sends the browser to the card processor’s page: nothing is typed here' },
  { pages: ['payout-details'], form: '#paypal-form', fields: { account: { values: [...TEXT, letters] } } },
  {
    pages: ['withdrawal'],
    form: 'form[action$="/cancel"]',
    fields: {
      '@action': {
        values: [at('a withdrawal that is not there', () => '/balance/withdrawals/999999999/cancel'), at('an id beyond int8', () => '/balance/withdrawals/99999999999999999999/cancel')],
        status: 404,
        shows: 'not-found',
      },
    },
  },
  { pages: ['staff-withdrawals'], form: 'form[action="/staff/withdrawals"]', fields: { status: { values: CHOICE } } },
  ...(['hold', 'reject'] as const).map(
    (act): FormRow => ({
      pages: ['staff-withdrawal', 'staff-withdrawal-held'],
      form: `#${act}-form`,
      fields: {
        reason: { values: [...TEXT, { label: '501 characters', text: 'z'.repeat(501) }] },
        '@action': { values: [at('an id beyond int4', () => `/staff/withdrawals/2147483648/${act}`)], status: 404, shows: 'not-found' },
      },
    }),
  ),
  {
    pages: ['staff-withdrawal-held'],
    form: 'form[action$="/release"]',
    fields: {
      '@action': {
        values: [at('an id beyond int4', () => '/staff/withdrawals/2147483648/release'), (w) => ({ label: 'a withdrawal that is not held (refused on top)', raw: `/staff/withdrawals/${w.withdrawals.requested}/release`, status: [409] })],
        status: 404,
        shows: 'not-found',
      },
    },
  },
  { pages: ['provider-events'], form: 'form[action="/staff/provider-events"]', fields: { status: { values: CHOICE } } },
  { pages: ['staff-top-ups'], form: 'form[action="/staff/top-ups"]', fields: { id: { values: [...NUMBER, blank] } } },
  {
    pages: ['top-up-refund'],
    form: '#refund-form',
    fields: {
      confirm: { values: [bogus, nul, surrogate, blank] },
      '@action': { values: [at('an id beyond int4', () => '/staff/top-ups/2147483648/refund')], status: 404, shows: 'not-found', fill: { confirm: 'on' } },
    },
  },
  {
    pages: ['messages'],
    form: '#direct-form',
    fields: { login: { values: [...TEXT, { label: 'a login nobody has', text: 'nobody_has_this', status: [404], shows: 'field' }] } },
  },
  { pages: ['notifications'], form: 'form[action="/notifications/read-all"]', fields: {}, none: 'marks what is the user’s own, nothing else' },
  {
    pages: ['notifications'],
    form: 'form[action^="/notifications/"][action$="/read"]:not([action="/notifications/read-all"])',
    fields: {
      '@action': {
        values: [
          // Marking read is idempotent and touches only the user's own, as `POST /notifications/read` does: back to the list, nothing changed.
          (w) => ({ label: 'another user’s notification', raw: `/notifications/${w.othersNotificationId}/read`, status: [303] }),
          at('an id beyond int8', () => '/notifications/99999999999999999999/read'),
        ],
        status: 404,
        shows: 'not-found',
      },
    },
  },
  { pages: ['my-orders'], form: 'form[action="/orders"]', fields: { role: { values: CHOICE }, status: { values: CHOICE } } },
  action('submit_requirements', { requirements: { values: TEXT } }),
  action('start_work'),
  action('ask_buyer', { question: { values: TEXT } }),
  action('report_progress', {
    percent: { values: [...NUMBER, { label: '15 %', text: '15' }, { label: '110 %', text: '110' }] },
    progressComment: { values: TEXT },
  }),
  action('deliver', {
    deliveryText: { values: TEXT },
    // K-69: a form post of text where the files go (no browser sends one): refused beside the field, nothing delivered.
    file: { values: [{ label: 'text, not a file', raw: 'not%20a%20file' }], fill: { deliveryText: 'The logo, as agreed.' } },
    links: { values: [...UNSTORABLE, { label: 'a javascript: link', text: 'javascript:alert(1)' }, { label: '11 links', text: Array.from({ length: 11 }, (_, i) => `https://example.com/${i}`).join('\n') }, huge] },
  }),
  action('accept', {}, 'acceptConfirmed'),
  action('request_revision', { revisionReason: { values: TEXT } }),
  action('cancel', {}, 'cancelConfirmed'),
  action('request_cancellation', {
    cancelReason: { values: [...CHOICE, blank, { label: 'the other party’s reason (the workflow refuses it, on top)', text: 'too_busy', shows: 'form' }], status: [400, 422] },
    cancelComment: { values: OPTIONAL_TEXT },
  }),
  action('accept_cancellation', {}, 'cancellationConfirmed'),
  action('decline_cancellation'),
  action('withdraw_cancellation'),
  action('open_dispute', { disputeStatement: { values: TEXT } }, 'disputeConfirmed'),
  action('answer_dispute', { answerStatement: { values: TEXT } }),
  {
    pages: ORDER_PAGES,
    form: '#feedback-form',
    fill: () => ({ verdict: 'like', feedbackText: 'Good work, on time.' }),
    fields: { verdict: { values: [...CHOICE, blank] }, feedbackText: { values: TEXT } },
  },
  {
    pages: [...ORDER_PAGES, ...JOB_PAGES],
    form: '#message-form',
    fields: {
      text: { values: [...TEXT, { label: '4001 characters', text: 'm'.repeat(4_001) }] },
      // Text where the file goes, with no message text: neither a message nor a file (K-69).
      file: { values: [{ label: 'text, not a file', text: 'not a file' }], fill: { text: '' } },
      // Beside the box on the seller's pages; the buyer's form has no such box (K-20 is the seller's), so a tampered one shows on top.
      info_request: { values: [bogus, nul, surrogate, blank], shows: 'form' },
      '@action': { values: [{ label: 'an id beyond int8', raw: '/messages/99999999999999999999' }], status: 404, shows: 'not-found' },
    },
  },
  // K-37: the buyer's refusal is one button on their own order.
  { pages: ORDER_PAGES, form: '#portfolio-consent-form', fields: {}, none: 'refusing consent takes no input: the buyer’s own order, nothing else' },
  {
    pages: ORDER_PAGES,
    form: '#portfolio-form',
    fields: {
      title: { values: [...UNSTORABLE, huge], shows: 'form' },
      // A form post of text where the file goes (no browser sends one): no file, refused.
      file: { values: [{ label: 'text, not a file', text: 'not a file' }], shows: 'form' },
    },
  },
  { pages: ORDER_PAGES, form: '#answer-form', fill: () => ({ answerText: 'Thank you, glad you like it.' }), fields: { answerText: { values: TEXT } } },
  {
    pages: ['new-offer', 'edit-offer'],
    form: 'form.category-picker',
    fields: { category: { values: [...NUMBER, bogus, { label: 'a category with subcategories', text: '1' }] } },
  },
  {
    pages: ['new-offer', 'edit-offer'],
    form: '#offer-form',
    fill: () => ({ title: `A minimalist logo ${uniqueId('t').slice(-6)}`, description: 'A clean, minimalist logo for your brand, with three concepts and the source files.', price: '10', leadTimeDays: '3' }),
    fields: {
      categoryId: { values: [...NUMBER, blank], shows: 'form' },
      title: { values: TEXT },
      description: { values: TEXT },
      price: { values: [...NUMBER, blank] },
      leadTimeDays: { values: [...NUMBER, blank] },
      unitVolume: { values: OPTIONAL_TEXT },
      instructions: { values: OPTIONAL_TEXT },
      video: { values: [...UNSTORABLE, { label: 'a javascript: link', text: 'javascript:alert(1)' }, huge] },
      'attr.style': { values: CHOICE, status: [400, 422] },
      ...optionCases(0, [...UNSTORABLE, huge], NUMBER),
      ...optionCases(1, [nul, surrogate, huge], [beyondInt4, fraction, letters]),
      ...optionCases(2, [control, notUtf8], [negative, exponent]),
      ...optionCases(3, [nul, huge], [beyondInt4, letters]),
      ...packageCases(),
    },
  },
  // K-41: the offer's images in the editor. Text where the file goes is posted raw (a file input cannot be typed into).
  {
    pages: ['edit-offer'],
    form: '#offer-images-form',
    fields: {
      file: { values: [{ label: 'text, not a file', raw: 'not%20a%20file' }], shows: 'form' },
      '@action': {
        values: [at('another seller’s offer', (w) => `/seller/offers/${w.othersOfferId}/images`), at('an id beyond int4', () => '/seller/offers/2147483648/images')],
        status: 404,
        shows: 'not-found',
      },
    },
  },
  {
    pages: ['edit-offer'],
    form: 'form.offer-image-remove',
    fields: {
      imageId: {
        values: [bogus, nul, surrogate, blank, { label: 'a file not among the offer’s images', text: 'AAAAAAAAAAAAAAAAAAAAAA', status: [404], shows: 'not-found' }],
        shows: 'form',
      },
      '@action': { values: [at('another seller’s offer', (w) => `/seller/offers/${w.othersOfferId}/images/remove`)], status: 404, shows: 'not-found' },
    },
  },
  {
    pages: ['my-offers'],
    form: 'form[action$="/pause"]',
    fields: {
      '@action': {
        values: [at('another seller’s offer', (w) => `/seller/offers/${w.othersOfferId}/pause`), at('an id beyond int4', () => '/seller/offers/2147483648/pause')],
        status: [403, 404],
        shows: 'not-found',
      },
    },
  },
  { pages: ['my-offers'], form: 'form[action="/seller/offers/weekends"]', fields: { hideOnWeekends: { values: [bogus, nul, surrogate], shows: 'form' } } },
  {
    pages: ['moderation'],
    form: 'li[id^="offer-"] form:has(input[name="decision"][value="approve"])',
    fields: {
      decision: { values: [bogus, nul, blank], shows: 'form' },
      '@action': { values: [at('an id beyond int4', () => '/staff/moderation/offers/2147483648/decision')], status: 404, shows: 'not-found' },
    },
  },
  {
    pages: ['moderation'],
    form: 'li[id^="offer-"] form:has(input[name="decision"][value="reject"])',
    fill: () => ({ reason: 'prohibited_topic' }),
    fields: { decision: { values: [bogus, nul], shows: 'form' }, reason: { values: [...CHOICE, blank] }, note: { values: OPTIONAL_TEXT } },
  },
  ...['approve', 'reject'].map(
    (decision): FormRow => ({
      pages: ['moderation'],
      form: `li[id^="answer-"] form:has(input[name="decision"][value="${decision}"])`,
      fields: {
        decision: { values: [bogus, nul, blank], shows: 'form' },
        '@action': { values: [at('an id beyond int4', () => '/staff/moderation/answers/2147483648/decision')], status: 404, shows: 'not-found' },
      },
    }),
  ),
  {
    pages: ['arbitration-ready'],
    form: 'form[action$="/take"]',
    fields: {
      '@action': {
        values: [at('an id beyond int4', () => '/staff/arbitration/2147483648/take'), at('an order in no dispute', (w) => `/staff/arbitration/${w.orders.completed}/take`)],
        status: [404, 409, 422],
        shows: 'not-found',
      },
    },
  },
  {
    pages: ['arbitration-taken'],
    form: '#decision',
    fill: () => ({ kind: 'split', sellerAmount: '5', comment: 'About half of the work was delivered.' }),
    fields: {
      kind: { values: [...CHOICE, blank] },
      sellerAmount: { values: [...NUMBER, blank, { label: 'the whole total', text: '10' }] },
      days: { values: [...NUMBER, blank, { label: 'too many days', text: '365' }], fill: { kind: 'return_to_work' } },
      comment: { values: TEXT },
    },
  },
  {
    // K-44, K-69: a request's posting, with an optional file (text where the file goes is refused).
    pages: ['post-request'],
    form: '#request-form',
    // The category is left as rendered (none chosen) but for its own cases: a filled field would be sent twice.
    fill: () => ({ title: 'A logo for a bakery', description: 'Three sketches, then one final logo in vector files.' }),
    fields: {
      title: { values: TEXT },
      description: { values: TEXT },
      categoryId: { values: [...CHOICE, blank, { label: 'no such category', text: '999999' }, { label: 'a top category (the service’s refusal)', text: '1', status: [422] }] },
      budget: { values: [...NUMBER, { label: 'under $10', text: '9.99' }] },
      file: { values: [{ label: 'text, not a file', text: 'not a file' }] },
    },
  },
  { pages: ['request-board'], form: '#request-filter', fields: { categoryId: { values: [bogus, nul, surrogate, letters, negative, beyondInt4] } } },
  {
    pages: ['request-open-seller'],
    form: '#request-answer-form',
    fields: {
      offerId: { values: [...CHOICE, blank, (w) => ({ label: 'another seller’s offer', text: String(w.othersOfferId), status: [422] })] },
      comment: { values: OPTIONAL_TEXT },
    },
  },
  {
    // K-46: an Advanced seller's individual offer as the answer; the bounds are the form's, 400 beside the field.
    pages: ['request-open-seller'],
    form: '#individual-answer-form',
    fill: () => ({ description: 'Your bakery logo: three sketches, then one final SVG.', price: '25', leadTimeDays: '3' }),
    fields: {
      basedOnOfferId: { values: [...CHOICE, blank, (w) => ({ label: 'another seller’s offer', text: String(w.othersOfferId), status: [422] })] },
      description: { values: [...TEXT, { label: 'too short', text: 'short' }] },
      price: { values: [...NUMBER, blank, { label: 'under $10', text: '9.99' }, { label: 'over $1000', text: '1000.01' }] },
      leadTimeDays: { values: [...NUMBER, blank, { label: '31 days', text: '31' }] },
    },
  },
  {
    pages: ['request-buyer'],
    form: '#pick-form',
    fields: {
      // The checkboxes sit in the answers' table (`form="pick-form"`): the refusal shows on the form.
      answerId: { values: [letters, negative, fraction, exponent, nul, surrogate, blank, { label: 'an answer not on the request', text: '999', status: [404] }], shows: 'form' },
      '@action': { values: [at('an id beyond int8', () => '/requests/99999999999999999999/pick')], status: 404, shows: 'not-found' },
    },
  },
  {
    pages: ['request-buyer'],
    form: 'form[action$="/close"]',
    fields: { '@action': { values: [at('another buyer’s request', (w) => `/requests/${w.requests.open}/close`), at('an id beyond int8', () => '/requests/99999999999999999999/close')], status: 404, shows: 'not-found' } },
  },
  {
    pages: ['request-answered-seller'],
    form: 'form[action*="/answers/"][action$="/withdraw"]',
    fields: {
      '@action': {
        values: [at('an answer that is not there', (w) => `/requests/${w.requests.answered}/answers/999/withdraw`), at('an id beyond int8', (w) => `/requests/${w.requests.answered}/answers/99999999999999999999/withdraw`)],
        status: 404,
        shows: 'not-found',
      },
    },
  },
  {
    pages: ['request-moderation'],
    form: 'form[action$="/approve"]',
    fields: {
      '@action': { values: [at('a request moderated already (refused on top)', (w) => `/requests/${w.requests.open}/approve`), at('an id beyond int8', () => '/requests/99999999999999999999/approve')], status: [404, 409], shows: 'not-found' },
    },
  },
  {
    pages: ['request-moderation'],
    form: 'form[action$="/reject"]',
    fill: () => ({ reason: 'Please describe the work.' }),
    fields: {
      reason: { values: [...TEXT, { label: '1001 characters', text: 'z'.repeat(1_001) }] },
      '@action': { values: [at('a request moderated already (refused on top)', (w) => `/requests/${w.requests.open}/reject`), at('an id beyond int8', () => '/requests/99999999999999999999/reject')], status: [404, 409], shows: 'not-found' },
    },
  },
  ...jobForms(),
  {
    pages: ['staff-closures'],
    form: 'form[action^="/staff/closures/"]',
    fields: {
      '@action': { values: [at('no such request', () => '/staff/closures/2147483648/complete'), at('an id beyond int8', () => '/staff/closures/99999999999999999999/complete')], status: 404, shows: 'not-found' },
    },
  },
  {
    pages: ['attention'],
    form: 'form[action^="/staff/attention/"]',
    fields: {
      note: { values: OPTIONAL_TEXT },
      '@action': { values: [at('a workflow that does not hold', () => '/staff/attention/order-2147483648/resolve'), at('no workflow id', () => '/staff/attention/order-1%00/resolve')], status: 404, shows: 'not-found' },
    },
  },
];

/** A job action's tampered address: another client's job, an id beyond int8 (404). */
function jobAddress(path: string): FieldCases {
  return {
    values: [at('another client’s job', (w) => `/jobs/${w.jobs.othersJob}/${path}`), at('an id beyond int8', () => `/jobs/99999999999999999999/${path}`)],
    status: [404],
    shows: 'not-found',
  };
}

/** The valid fields of a form but `field` (a raw send would repeat a filled field). */
function fillBut(values: Record<string, string>, field: string): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => k !== field));
}

/** Issue 18: the Order a Job form, the installs' Pay now, staff's filter, and the job page's forms in each state. */
function jobForms(): FormRow[] {
  const order = { title: 'Fix my contact form', description: 'The contact form sends nothing since the update.', email: 'new.client@example.com' };
  const orderField = (values: (Bad | ((w: World) => Bad))[], field: string, extra: Partial<FieldCases> = {}): FieldCases => ({ values, fill: fillBut(order, field), ...extra });
  const url = [...UNSTORABLE, huge, { label: 'an ftp address', text: 'ftp://files.example/site' }, { label: 'no address', text: 'my site' }];
  const reasonRow = (path: string, pages: string[]): FormRow => ({
    pages,
    form: `#${path}-form`,
    fields: { reason: { values: TEXT }, '@action': { ...jobAddress(path), fill: { reason: 'A reason.' } } },
  });
  return [
    {
      pages: ['new-job', 'new-job-buyer'],
      form: '#job-form',
      fields: {
        title: orderField(TEXT, 'title'),
        description: orderField([...TEXT, { label: 'too short', text: 'short' }], 'description'),
        siteUrl: orderField(url, 'siteUrl'),
        urgency: orderField(CHOICE, 'urgency'),
        budget: orderField([...NUMBER, { label: 'under $1', text: '0.99' }], 'budget'),
        email: orderField([...TEXT, bogus], 'email'),
        username: orderField([nul, surrogate, notUtf8, control, { label: 'capitals', text: 'ABC' }], 'username'),
        // Signed out there is no file field: the refusal shows on top of the form.
        file: orderField([{ label: 'text, not a file', text: 'not a file' }], 'file', { shows: 'form' }),
        idempotencyKey: orderField([...UNSTORABLE, blank, huge], 'idempotencyKey', { shows: 'form' }),
      },
    },
    {
      pages: ['new-job-buyer'],
      form: 'form[action="/jobs/new/install"]',
      fields: {
        installId: { values: [...CHOICE, blank, { label: 'no such install', text: '999999', status: [404] }], shows: 'form', fill: { description: 'WordPress on my hosting, please.' } },
        description: { values: [...TEXT, { label: 'too short', text: 'short' }] },
        siteUrl: { values: url, fill: { description: 'WordPress on my hosting, please.' } },
        idempotencyKey: { values: [...UNSTORABLE, blank, huge], shows: 'form', fill: { description: 'WordPress on my hosting, please.' } },
      },
    },
    {
      pages: ['staff-jobs'],
      form: '#job-filter',
      fields: { status: { values: CHOICE }, cancellationRequested: { values: [bogus, nul, surrogate] }, differentExpertAsked: { values: [bogus, nul, surrogate] } },
    },
    { pages: ['job-open-expert'], form: 'form[action$="/claim"]', fields: { '@action': { values: [at('an id beyond int8', () => '/jobs/99999999999999999999/claim')], status: 404, shows: 'not-found' } } },
    {
      pages: ['job-estimating-expert'],
      form: '#estimate-form',
      fields: {
        hours: { values: [...NUMBER, blank, { label: 'not a quarter hour', text: '1.1' }, { label: 'zero', text: '0' }, { label: '201 hours', text: '201' }, { label: '1000 hours', text: '1000' }], fill: { plan: 'Find it, fix it.' } },
        plan: { values: TEXT, fill: { hours: '1.5' } },
        fitsBudget: { values: CHOICE, fill: { hours: '1.5', plan: 'Find it, fix it.' } },
        '@action': { ...jobAddress('estimate'), fill: { hours: '1.5', plan: 'Find it, fix it.' } },
      },
    },
    {
      pages: ['job-estimating-staff'],
      form: '#reassign-form',
      fields: {
        expertId: { values: [...CHOICE, blank, { label: 'not an expert (the service’s refusal)', text: '1', status: [422] }], fill: { note: 'Asked by the client.' } },
        note: { values: TEXT },
      },
    },
    {
      pages: ['job-estimated-buyer'],
      form: 'form[action$="/pay"]',
      fields: {
        estimateNumber: { values: [...NUMBER, blank, { label: 'a stale estimate (the workflow’s refusal)', text: '7', status: [409] }], shows: 'form' },
        '@action': jobAddress('pay'),
      },
    },
    reasonRow('reject-estimate', ['job-estimated-buyer']),
    reasonRow('different-expert', ['job-estimated-buyer', 'job-delivered-buyer']),
    reasonRow('cancel', ['job-estimated-buyer', 'job-delivered-buyer']),
    {
      pages: ['job-working-expert'],
      form: '#deliver-form',
      fields: { note: { values: TEXT }, '@action': { ...jobAddress('deliver'), fill: { note: 'Done.' } } },
    },
    // W-12: the approval's box, ticked for the address's cases.
    {
      pages: ['job-delivered-buyer'],
      form: 'form[action$="/approve"]',
      fields: { '@action': { ...jobAddress('approve'), fill: { approveConfirmed: 'on' } }, approveConfirmed: { values: [bogus, nul, surrogate] } },
    },
    {
      pages: ['job-cancelling-staff'],
      form: '#decide-form',
      fields: {
        decision: { values: CHOICE, fill: { reason: 'Work had not started.' } },
        refund: { values: [...NUMBER, { label: 'partial with no amount', text: '' }], fill: { decision: 'partial', reason: 'Half of it was done.' } },
        reason: { values: TEXT },
      },
    },
    {
      pages: ['job-approved-buyer'],
      form: '#review-form',
      fields: { stars: { values: [...CHOICE, blank, { label: 'six', text: '6' }], fill: { comment: 'Fast and clear.' } }, comment: { values: TEXT }, '@action': { ...jobAddress('review'), fill: { comment: 'Fast.' } } },
    },
    { pages: ['job-approved-buyer'], form: 'form[action$="/resume"]', fields: { '@action': jobAddress('resume') } },
  ];
}

/** The editor's option row `i` (K-04): its title, price and extra days, each bad with the row's other fields valid. */
function optionCases(i: number, texts: Bad[], numbers: Bad[]): Record<string, FieldCases> {
  const p = `option.${i}.`;
  return {
    [`${p}title`]: { values: texts, fill: { [`${p}price`]: '5' } },
    [`${p}price`]: { values: numbers, fill: { [`${p}title`]: 'Express delivery' } },
    [`${p}extraDays`]: { values: numbers, fill: { [`${p}title`]: 'Express delivery', [`${p}price`]: '5' } },
  };
}

function packageCases(): Record<string, FieldCases> {
  const out: Record<string, FieldCases> = {};
  for (const tier of ['economy', 'standard', 'business']) {
    const p = `package.${tier}.`;
    const valid = { [`${p}price`]: tier === 'economy' ? '10' : tier === 'standard' ? '25' : '50', [`${p}leadTimeDays`]: '3', [`${p}includes`]: 'A logo' };
    const others = (name: string) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== `${p}${name}`));
    out[`${p}price`] = { values: [...NUMBER, { label: 'not the category’s fixed price', text: '11' }], status: [400, 422], fill: others('price') };
    out[`${p}leadTimeDays`] = { values: [beyondInt4, negative, fraction, letters, nul], fill: others('leadTimeDays') };
    out[`${p}includes`] = { values: [...UNSTORABLE, { label: '11 items', text: Array.from({ length: 11 }, (_, i) => `Item ${i}`).join('\n') }, huge], fill: others('includes') };
  }
  return out;
}

/** Helpers run in the page (a string: the tests compile without the DOM's types). */
const IN_PAGE = `window.__bad = {
  formsOn() {
    return [...document.forms].map((f, i) => ({ index: i, action: f.getAttribute('action'), controls: [...new Set([...f.elements].filter((e) => e.name && e.name !== '_csrf' && e.type !== 'submit').map((e) => e.name))] }));
  },
  survey(rows) {
    const forms = this.formsOn().map((f) => ({ ...f, rows: rows.filter(([, selector]) => document.forms[f.index].matches(selector)).map(([i]) => i) }));
    return { forms, present: rows.filter(([, selector]) => document.querySelector(selector)).map(([i]) => i) };
  },
  base(selector) {
    const f = document.querySelector(selector);
    if (!f) return null;
    return { action: f.getAttribute('action'), method: (f.getAttribute('method') || 'get').toLowerCase(), entries: [...new FormData(f)].filter(([k, v]) => typeof v === 'string' && k !== '_csrf') };
  },
  where(doc, selector, field) {
    const form = doc.querySelector(selector);
    const controls = form ? [...form.querySelectorAll('[name]')].filter((e) => e.getAttribute('name') === field) : [];
    const fieldError = !!doc.getElementById('f-' + field + '-error') || controls.some((e) => e.getAttribute('aria-invalid') === 'true');
    const formError = !!doc.querySelector('main .form-error, main .error[role="alert"]');
    return { fieldError, formError, title: (doc.querySelector('h1')?.textContent || '').trim(), text: (doc.querySelector('main')?.textContent || '').replace(/\\s+/g, ' ').slice(0, 300) };
  },
  async sendAll(sends, limit) {
    const answers = [];
    let next = 0;
    const worker = async () => { while (next < sends.length) { const i = next++; answers[i] = await this.send(sends[i]); } };
    await Promise.all(Array.from({ length: limit }, worker));
    return answers;
  },
  async send({ base, selector, field, raw, fill }) {
    const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
    const names = new Set([field, ...Object.keys(fill)]);
    const pairs = base.entries.filter(([k]) => !names.has(k)).map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v));
    for (const [k, v] of Object.entries(fill)) pairs.push(encodeURIComponent(k) + '=' + encodeURIComponent(v));
    let url = base.action;
    if (field === '@action') url = raw;
    else pairs.push(encodeURIComponent(field) + '=' + raw);
    const init = base.method === 'get' ? { redirect: 'manual' } : { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: ['_csrf=' + encodeURIComponent(csrf), ...pairs].join('&') };
    if (base.method === 'get') url += '?' + pairs.join('&');
    const res = await fetch(url, init);
    if (res.type === 'opaqueredirect') return { status: 303, fieldError: false, formError: false, title: '', text: 'a redirect: the form was taken' };
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    return { status: res.status, ...this.where(doc, selector, field) };
  },
  type(selector, field, value) {
    const form = document.querySelector(selector);
    const controls = [...form.elements].filter((e) => e.name === field);
    const c = controls[0];
    if (c.tagName === 'SELECT') { c.add(new Option(value, value, true, true)); c.value = value; }
    else if (c.type === 'radio' || c.type === 'checkbox') { controls.forEach((e) => { e.checked = false; }); c.value = value; c.checked = true; }
    else c.value = value;
    for (const e of controls.slice(1)) if (e.type !== 'radio' && e.type !== 'checkbox') e.disabled = true;
  },
  fill(selector, values) {
    const form = document.querySelector(selector);
    for (const [name, value] of Object.entries(values)) {
      const controls = [...form.elements].filter((e) => e.name === name);
      if (controls.length === 0) { const i = document.createElement('input'); i.type = 'hidden'; i.name = name; i.value = value; form.append(i); continue; }
      const radio = controls.find((e) => (e.type === 'radio' || e.type === 'checkbox') && e.value === value);
      if (radio) radio.checked = true; else if (controls[0].type !== 'radio') controls[0].value = value;
    }
  },
};`;


/** What the page shows after a send: its status, an error beside the field, one on top of the form, its heading. */
interface Answer {
  status: number;
  fieldError: boolean;
  formError: boolean;
  title: string;
  text: string;
}

const encodeBad = (bad: Bad) => bad.raw ?? encodeURIComponent(bad.text!);
const expected = (cases: FieldCases) => (Array.isArray(cases.status) ? cases.status : [cases.status ?? 400]);

describe('bad input on every form of the web client', () => {
  let stack: WebStack;
  let browser: Browser;
  let world: World;
  const contexts = new Map<Persona, BrowserContext>();
  /** Each lane's page of each persona, made when the lane first needs it. */
  const lanes: Map<Persona, Page>[] = Array.from({ length: LANES }, () => new Map());
  /** Each order's state as its buyer sees it through the API, before anything is sent. */
  let ordersBefore: string;
  let databaseBefore: Fingerprint;
  let fingerprint: () => Promise<Fingerprint>;

  before(async () => {
    [stack, browser] = await Promise.all([startWebStack({ file: 'browser-bad-input' }), openBrowser()]);
    world = await buildWorld();
    // Every table, but the failed sign-ins a sign-in form counts on purpose.
    fingerprint = fingerprinter(stack.db, ['sign_in_failures']);
    await Promise.all(
      PERSONAS.map(async (persona) => {
        const { context, page } = await newPerson(browser, stack);
        await context.addInitScript({ content: IN_PAGE });
        if (persona !== 'anonymous') await signInAs(context, stack, world.users[persona]);
        // A first signed-in page records the user's activity (a `seller_stats` row): before the fingerprint.
        // Its cookies (the CSRF token's, the anonymous session's) are then the lanes' pages' too.
        await page.goto('/');
        contexts.set(persona, context);
        lanes[0]!.set(persona, page);
      }),
    );
    ordersBefore = await ordersState();
    databaseBefore = await fingerprint();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function staff(role: 'moderator' | 'arbiter' | 'admin'): Promise<TestUser> {
    const user = await signUp(stack.api, role);
    await stack.db.sql`update users set roles = ${[role]}::text[] where id = ${user.id}`;
    return user;
  }

  /** A seller's active offer with options and packages, and every other thing a form acts on. */
  async function buildWorld(): Promise<World> {
    const [buyer, seller, other, moderator, arbiter, admin] = await Promise.all([signUp(stack.api, 'buyer'), signUp(stack.api, 'seller'), signUp(stack.api, 'other'), staff('moderator'), staff('arbiter'), staff('admin')]);
    const offerId = await insertOffer(stack.db, seller.id, { title: 'A minimalist logo for your brand' });
    const options = [{ id: 1, title: 'Express delivery', priceCents: 500, extraDays: 0 }, { id: 2, title: 'Source files', priceCents: 800, extraDays: 1 }];
    const packages = { economy: { priceCents: 1_000, leadTimeDays: 3, includes: ['One concept'] }, business: { priceCents: 5_000, leadTimeDays: 5, includes: ['Three concepts', 'Source files'] } };
    await stack.db.sql`update offers set options = ${JSON.stringify(options)}::jsonb, packages = ${JSON.stringify(packages)}::jsonb where id = ${offerId}`;
    // K-41: an image on the offer, so its editor shows the remove form.
    const image = await stack.services.attachments.upload(seller.id, { name: 'logo.png', bytes: sampleOf('png') });
    await stack.services.portfolio.setOfferImages(seller.id, offerId, [image.id]);
    const othersOfferId = await insertOffer(stack.db, other.id);
    await Promise.all([fund(stack.db, buyer.id, 100_000), fund(stack.db, other.id, 100_000)]);
    const orders = await buildOrders(buyer, seller, other, offerId, arbiter);
    // Opening an order page creates its conversation (issue 17), as a 2xx may: created here, before the fingerprint.
    for (const [name, id] of Object.entries(orders)) if (name !== 'othersOrder') await stack.services.conversations.forOrder({ id: buyer.id, roles: [] }, id);
    const inModeration = await stack.services.offers.createAndSubmit(seller.id, {
      categoryId: 12, title: 'Banners for a spring sale', description: 'Three web banners in the sizes you need, with the source files and two rounds of changes.',
      priceCents: 1_000, leadTimeDays: 3, instructions: '', unitVolume: '', media: [], attributes: {}, options: [], packages: null,
    });
    const line = await stack.api('POST', '/me/cart', { token: buyer.token, body: { offerId: othersOfferId } });
    const othersLine = await stack.api('POST', '/me/cart', { token: other.token, body: { offerId } });
    assert.equal(othersLine.status, 200, JSON.stringify(othersLine.body));
    await stack.api('PUT', `/me/favorites/${othersOfferId}`, { token: buyer.token });
    await stack.db.sql`insert into workflow_attention (workflow_id, process, entity_id, failure_type, reason, flagged_at)
      values (${`order-${orders.working}`}, 'order', ${orders.working}, 'data_error', 'A write failed for good (made by the test).', now())`;
    await settled(orders, buyer);
    // W-20: a pending request to close an account, so staff's list shows its form (it has money in play: completing is refused).
    await stack.services.accountClosures.request(other.id, 'Leaving gigflow (made by the test).');
    const withdrawals = await buildWithdrawals(buyer, admin);
    await pollUntil(async () => (await stack.services.moderation.queue()).some((item) => item.offerId === inModeration.id), { timeoutMs: 15_000, what: 'the offer in the moderation queue' });
    const [notification] = await stack.db.sql<{ id: string }[]>`select id from notifications where user_id = ${seller.id} order by id limit 1`;
    assert.ok(notification, 'the seller has a notification');
    const requests = await buildRequests(buyer, seller, other, moderator, offerId);
    await stack.services.affiliates.become(seller.id, { firstName: 'Ada', lastName: 'Lovelace', country: 'PL' });
    await stack.services.affiliateWallet.setSettings(seller.id, { paypalEmail: 'ada@example.com', autoPayout: false });
    const jobs = await buildJobs(buyer, seller, other);
    return {
      users: { buyer, seller, moderator, arbiter, admin },
      other,
      offerId,
      othersOfferId,
      inModerationId: inModeration.id,
      orders,
      withdrawals,
      cartLineId: line.body.items[0].id,
      othersCartLineId: othersLine.body.items[0].id,
      othersNotificationId: Number(notification.id),
      requests,
      jobs,
    };
  }

  /** The jobs whose pages hold forms (issue 18), through the API as the parties would: the seller is made an expert. */
  async function buildJobs(buyer: TestUser, seller: TestUser, other: TestUser): Promise<World['jobs']> {
    await stack.db.sql`update users set roles = array['expert']::text[] where id = ${seller.id}`;
    const ok = async (user: TestUser, path: string, body?: unknown) => {
      const res = await stack.api('POST', path, { token: user.token, body, ...(path === '/jobs' ? { headers: { 'idempotency-key': uniqueId('job') } } : {}) });
      assert.ok(res.status === 200 || res.status === 201, `${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const order = async (client: TestUser) => (await ok(client, '/jobs', { title: 'Fix my contact form', description: 'The contact form sends nothing since the update.', urgency: 'normal', budgetCents: 20_000 })).jobId as number;
    const [open, estimating, estimated, working, delivered, cancelling, approved, othersJob] = [
      await order(buyer), await order(buyer), await order(buyer), await order(buyer), await order(buyer), await order(buyer), await order(buyer), await order(other),
    ];
    const claim: Step = (id) => ok(seller, `/jobs/${id}/claim`);
    const estimate: Step = (id) => ok(seller, `/jobs/${id}/estimate`, { hours: 1, plan: 'Find it, fix it.', fitsBudget: true });
    const pay: Step = (id) => ok(buyer, `/jobs/${id}/pay`, { estimateNumber: 1 });
    const deliver: Step = (id) => ok(seller, `/jobs/${id}/deliver`, { note: 'Done.' });
    // Each job's steps in turn, the jobs side by side: each step waits on its own workflow.
    await inTurn([
      [estimating, [claim]],
      [estimated, [claim, estimate]],
      [working, [claim, estimate, pay]],
      [delivered, [claim, estimate, pay, deliver]],
      [cancelling, [claim, estimate, pay, (id) => ok(buyer, `/jobs/${id}/cancel`, { reason: 'Not needed any more.' })]],
      [approved, [claim, estimate, pay, deliver, (id) => ok(buyer, `/jobs/${id}/approve`)]],
    ]);
    const want: [number, string][] = [[estimating, 'estimating'], [estimated, 'estimated'], [working, 'in_progress'], [delivered, 'delivered'], [cancelling, 'cancellation_requested'], [approved, 'approved']];
    for (const [id, status] of want) {
      await pollUntil(async () => ((await stack.db.sql`select 1 from jobs where id = ${id} and status = ${status}`).length ? true : undefined), { timeoutMs: 15_000, what: `job ${id}'s row to be ${status}` });
    }
    return { open, estimating, estimated, working, delivered, cancelling, approved, othersJob };
  }

  /** The requests whose pages hold forms, through the API as the parties would; the seller made Advanced (K-33) for the individual offer's form. */
  async function buildRequests(buyer: TestUser, seller: TestUser, other: TestUser, moderator: TestUser, offerId: number): Promise<World['requests']> {
    await stack.db.sql`insert into seller_stats (user_id, level) values (${seller.id}, 'advanced') on conflict (user_id) do update set level = 'advanced'`;
    const post = async (user: TestUser, title: string) => {
      const res = await stack.api('POST', '/requests', { token: user.token, body: { title, description: 'Three sketches, then one final logo in vector files.', categoryId: 11 } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as number;
    };
    const approve = async (id: number) => assert.equal((await stack.api('POST', `/staff/requests/${id}/approve`, { token: moderator.token })).status, 200);
    const [answered, open, inModeration] = [await post(buyer, 'A logo for a bakery'), await post(other, 'Banners for a florist'), await post(buyer, 'A menu for a café')];
    await approve(answered);
    await approve(open);
    const answer = await stack.api('POST', `/requests/${answered}/answers`, { token: seller.token, body: { offerId } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return { answered, open, inModeration };
  }

  /**
   * The buyer's PayPal payout details (their D-10 pause moved into the past) and two withdrawals
   * of $10: one waiting for its batch, one held by staff.
   */
  async function buildWithdrawals(buyer: TestUser, admin: TestUser): Promise<World['withdrawals']> {
    await stack.services.payoutDetails.set(buyer.id, { method: 'paypal', account: `${buyer.login}@example.com` });
    await stack.db.sql`update withdrawal_locks set starts_at = now() - interval '8 days', ends_at = now() - interval '1 day' where user_id = ${buyer.id}`;
    const request = async () => (await stack.services.withdrawals.request(buyer.id, { amountCents: 1_000 }, uniqueId('withdrawal'))).withdrawal.id;
    const [requested, held] = [await request(), await request()];
    await stack.services.withdrawals.hold(admin.id, held, 'Checking the account (made by the test).');
    return { requested, held };
  }

  /** One action on an order or a job, by its id. */
  type Step = (id: number) => Promise<unknown>;
  /** An id and the steps that bring it to its state. */
  type Chain = [number, Step[]];
  /** Each chain's steps one after the other; the chains side by side. */
  async function inTurn(chains: Chain[]): Promise<void> {
    await Promise.all(
      chains.map(async ([id, steps]) => {
        for (const step of steps) await step(id);
      }),
    );
  }

  /** An order in each state whose page holds a form, through the API as the parties would. */
  async function buildOrders(buyer: TestUser, seller: TestUser, other: TestUser, offerId: number, arbiter: TestUser): Promise<World['orders']> {
    const order = async () => (await placeOrder(stack.api, buyer, { offerId })).orderId;
    const [fresh, working, review, cancelling, declined, disputed, caseReady, caseTaken, completed, reviewed, liked] = await Promise.all(Array.from({ length: 11 }, order));
    const step = (user: TestUser, action: Record<string, unknown>) => (id: number) => actOk(stack.api, user, id, action);
    const start = step(seller, { type: 'start_work' });
    const deliver = step(seller, { type: 'deliver', text: 'The logo, as agreed.', links: [] });
    const accept = step(buyer, { type: 'accept' });
    const cancel = step(buyer, { type: 'request_cancellation', reason: 'seller_unresponsive', comment: 'No news.' });
    const decline = step(seller, { type: 'decline_cancellation' });
    const dispute = step(buyer, { type: 'open_dispute', statement: 'Half of the work is missing.' });
    const answer = step(seller, { type: 'answer_dispute', statement: 'Half of it is done.' });
    // Each order's steps in turn, the orders side by side: each step waits on its own workflow.
    await inTurn([
      [working!, [start]],
      [review!, [start, deliver]],
      ...[completed, reviewed, liked].map((id): Chain => [id!, [start, deliver, accept]]),
      [cancelling!, [start, cancel]],
      [declined!, [start, cancel, decline]],
      [disputed!, [start, cancel, decline, dispute]],
      ...[caseReady, caseTaken].map((id): Chain => [id!, [start, cancel, decline, dispute, answer]]),
    ]);
    const taken = await stack.api('POST', `/arbitration/orders/${caseTaken}/take`, { token: arbiter.token });
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    await rowStatus(stack.db, reviewed!, 'completed');
    await rowStatus(stack.db, completed!, 'completed');
    const left = await stack.api('POST', `/orders/${reviewed}/feedback`, { token: buyer.token, body: { verdict: 'like', text: 'Good work.' } });
    assert.equal(left.status, 201, JSON.stringify(left.body));
    // Liked, not answered yet: the seller's answer form.
    await rowStatus(stack.db, liked!, 'completed');
    assert.equal((await stack.api('POST', `/orders/${liked}/feedback`, { token: buyer.token, body: { verdict: 'like', text: 'Great.' } })).status, 201);
    const answered = await stack.api('POST', `/orders/${reviewed}/feedback/answer`, { token: seller.token, body: { text: 'Thank you!' } });
    assert.equal(answered.status, 201, JSON.stringify(answered.body));
    // Between two other people: neither the buyer nor the seller of the journey is a party.
    const stranger = await signUp(stack.api, 'stranger');
    const othersOrder = (await placeOrder(stack.api, other, { offerId: await insertOffer(stack.db, stranger.id) })).orderId;
    return { fresh: fresh!, working: working!, review: review!, cancelling: cancelling!, declined: declined!, disputed: disputed!, caseReady: caseReady!, caseTaken: caseTaken!, completed: completed!, reviewed: reviewed!, liked: liked!, othersOrder };
  }

  /** Waits (bounded) until every order's row, and the notifications it brings, caught up with its workflow. */
  async function settled(orders: World['orders'], buyer: TestUser): Promise<void> {
    for (const id of Object.values(orders)) {
      const view = await stack.api('GET', `/orders/${id}`, { token: id === orders.othersOrder ? undefined : buyer.token });
      const want = view.status === 200 ? view.body.timeline.length : undefined;
      await pollUntil(
        async () => {
          const [row] = await stack.db.sql<{ n: number }[]>`select jsonb_array_length(view->'timeline') as n from orders where id = ${id}`;
          return want === undefined ? row !== undefined : row?.n === want;
        },
        { timeoutMs: 15_000, what: `order ${id}'s row to catch up` },
      );
    }
  }

  /** Every order's status, allowed actions and timeline length, from its workflow (through the API). */
  async function ordersState(): Promise<string> {
    const states = [];
    for (const [name, id] of Object.entries(world.orders)) {
      const res = await stack.api('GET', `/orders/${id}`, { token: name === 'othersOrder' ? world.other.token : world.users.buyer.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      states.push(`${name}: ${res.body.status} [${res.body.allowedActions.join(',')}] ${res.body.timeline.length}`);
    }
    return states.join('\n');
  }

  async function pageOf(lane: number, persona: Persona): Promise<Page> {
    let page = lanes[lane]!.get(persona);
    if (!page) {
      page = await contexts.get(persona)!.newPage();
      lanes[lane]!.set(persona, page);
    }
    return page;
  }

  /** Runs `task` over `items`, `LANES` at a time; a lane runs one task at a time, on its own pages. */
  async function inLanes<T, R>(items: readonly T[], task: (item: T, lane: number) => Promise<R>): Promise<R[]> {
    const results: R[] = [];
    let next = 0;
    const lane = async (n: number) => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i]!, n);
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, n) => lane(n)));
    return results;
  }

  async function open(key: string, lane: number): Promise<Page> {
    const spec = PAGES[key]!;
    const page = await pageOf(lane, spec.as);
    const res = await page.goto(spec.path(world));
    assert.ok(res && res.status() < 400, `${key}: ${spec.path(world)} answered ${res?.status()}`);
    return page;
  }

  /** What went wrong with one answer, or nothing. */
  function problemsOf(what: string, cases: FieldCases, bad: Bad, answer: Answer): string[] {
    const problems: string[] = [];
    const statuses = bad.status ?? expected(cases);
    if (!statuses.includes(answer.status)) problems.push(`${what}: answered ${answer.status}, expected ${statuses.join(' or ')} (${answer.text.slice(0, 160)})`);
    const shows = bad.shows ?? cases.shows ?? 'field';
    if (answer.status < 400) return problems;
    // Every refusal in words of ours: zod's own ("Invalid input: expected number, received NaN") is none.
    if (/invalid input|expected \w+, received/i.test(answer.text)) problems.push(`${what}: a validator's own wording (${answer.text.slice(0, 160)})`);
    // A workflow's refusal (409, 422) of a well-formed value is the form's, on top of it.
    const fieldOk = answer.fieldError || (answer.status !== 400 && answer.formError);
    if (shows === 'field' && !fieldOk) problems.push(`${what}: no error beside the field (${answer.text.slice(0, 160)})`);
    if (shows === 'form' && !answer.formError && !answer.fieldError) problems.push(`${what}: no error on the form (${answer.text.slice(0, 160)})`);
    // A tampered address: the 404 page, or the page the form is on with the refusal on top.
    if (shows === 'not-found' && answer.title !== 'Not found' && !answer.formError) problems.push(`${what}: neither the 404 page nor an error on top (${answer.text.slice(0, 160)})`);
    return problems;
  }

  /** The database's fingerprint after the last check (each check's "before"). */
  let last: Fingerprint;
  /** The checks, one after the other: each compares with the one before it. */
  let checks: Promise<unknown> = Promise.resolve();
  /** The forms whose cases are being sent now: a change may come from any of them. */
  const inFlight = new Set<string>();
  const checked = new Set<string>();
  function unchanged(what: string): Promise<string[]> {
    const check = checks.then(async () => {
      const others = [...inFlight].filter((form) => !what.startsWith(form));
      const before = last;
      last = await fingerprint();
      const changed = changedTables(before, last);
      return changed.length ? [`${what}: changed ${changed.join(', ')}${others.length ? ` (sent beside ${others.join('; ')})` : ''}`] : [];
    });
    checks = check.catch(() => undefined);
    return check;
  }

  /** The form sent for real: its first typed value set in Chromium and its own button pressed. */
  async function clickThrough(page: Page, key: string, row: FormRow, field: string, cases: FieldCases, bad: Bad): Promise<string[]> {
    const what = `${key} ${row.form} ${field}=${bad.label} (typed, real submit)`;
    const fill = { ...row.fill?.(world), ...cases.fill };
    // Marked first: a tampered hidden value may no longer match the row's selector.
    const target = '[data-bad-target]';
    const form = (await page.evaluate(`(() => {
      const f = document.querySelector(${JSON.stringify(row.form)});
      f.setAttribute('data-bad-target', '');
      __bad.fill(${JSON.stringify(target)}, ${JSON.stringify(fill)});
      __bad.type(${JSON.stringify(target)}, ${JSON.stringify(field)}, ${JSON.stringify(bad.text)});
      return [f.getAttribute('action'), (f.getAttribute('method') || 'get').toUpperCase()];
    })()`)) as [string, string];
    const path = new URL(form[0], stack.url).pathname;
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === form[1]);
    await page.evaluate(`document.querySelector(${JSON.stringify(target)}).requestSubmit()`);
    const res = await answered;
    await answerShown(page, target, res.request().isNavigationRequest(), what);
    const answer = { status: res.status(), ...((await page.evaluate(`__bad.where(document, ${JSON.stringify(row.form)}, ${JSON.stringify(field)})`)) as { fieldError: boolean; formError: boolean; title: string; text: string }) };
    const problems = [...problemsOf(what, cases, bad, answer), ...(await unchanged(what))];
    // axe over one error state of each page.
    if (problems.length === 0 && !checked.has(key)) {
      checked.add(key);
      await assertAccessible(page, `${key} with an error`);
    }
    return problems;
  }

  /**
   * Waits until the page shows the answer to the form marked `target`: a new document when the
   * browser navigated (the marked form was the old one's), else until htmx, which swaps a refused
   * search in place, is done with the form's request (it drops `htmx-request` after the swap).
   */
  async function answerShown(page: Page, target: string, navigated: boolean, what: string): Promise<void> {
    const done = `!document.querySelector(${JSON.stringify(navigated ? target : `${target}.htmx-request`)})`;
    await pollUntil(
      // Evaluating while the old document gives way to the new one fails: not yet.
      () => page.evaluate(done).then((shown) => shown === true, () => false),
      { timeoutMs: 15_000, intervalMs: 25, what: `${what}: the answer on the page` },
    );
    await page.waitForLoadState();
  }

  /** Every field × bad value of one form, posted from the page open at `key` in `lane`; the database compared before and after them all. */
  async function sendCases(key: string, row: FormRow, lane: number): Promise<string[]> {
    const page = await pageOf(lane, PAGES[key]!.as);
    const base = await page.evaluate(`__bad.base(${JSON.stringify(row.form)})`);
    assert.ok(base, `${key}: no form ${row.form}`);
    // Every field × value of the form, a few at a time.
    const cases = casesOf(row);
    const sends = cases.map(({ field, bad, fill }) => ({ base, selector: row.form, field, raw: encodeBad(bad), fill }));
    const answers = (await page.evaluate(`__bad.sendAll(${JSON.stringify(sends)}, 4)`)) as Answer[];
    const problems = cases.flatMap((c, i) => problemsOf(`${key} ${row.form} ${c.field}=${c.bad.label}`, c.cases, c.bad, answers[i]!));
    problems.push(...(await unchanged(`${key} ${row.form} (its ${cases.length} bad values)`)));
    return problems;
  }

  function casesOf(row: FormRow) {
    return Object.entries(row.fields).flatMap(([field, c]) =>
      c.values.map((value) => ({ field, cases: c, bad: typeof value === 'function' ? value(world) : value, fill: { ...row.fill?.(world), ...c.fill } })),
    );
  }

  /** A field of the form and a bad value of it that can be typed (short text), if it has one. */
  function typedCase(row: FormRow): [string, FieldCases, Bad] | undefined {
    const typeable = (v: FieldCases['values'][number]): v is Bad => typeof v !== 'function' && v.text !== undefined && v.text.length < 1_000;
    const typed = Object.entries(row.fields).find(([field, cases]) => field !== '@action' && cases.values.some(typeable));
    return typed && [typed[0], typed[1], typed[1].values.find(typeable)!];
  }

  /** The form opened again after its bad values (it must still be there), then sent for real once with a typed value. */
  async function sendTyped(key: string, row: FormRow, lane: number, [field, cases, bad]: [string, FieldCases, Bad]): Promise<string[]> {
    const page = await open(key, lane);
    assert.ok(await page.locator(row.form).count(), `${key}: the form ${row.form} is gone after its bad values`);
    return clickThrough(page, key, row, field, cases, bad).catch((err: Error) => [`${key} ${row.form} ${field} (typed): ${err.message}`]);
  }

  /** `work` on the form at `label`, named as in flight while it runs. */
  async function sending<T>(label: string, work: () => Promise<T>): Promise<T> {
    inFlight.add(label);
    try {
      return await work();
    } finally {
      inFlight.delete(label);
    }
  }

  /** What exercising some forms found, and how many values it sent. */
  interface Exercised {
    problems: string[];
    sent: number;
  }

  /**
   * The forms of one page: the page opened once (unless `opened` is true: the lane's page is
   * on it, untouched) and every form's bad values posted from it (a post from script leaves the
   * page as it was), then each form opened again and sent for real.
   */
  async function exercisePage(key: string, rows: FormRow[], lane: number, opened = false): Promise<Exercised> {
    if (!opened) await open(key, lane);
    const problems: string[] = [];
    const clean: FormRow[] = [];
    for (const row of rows) {
      const found = await sending(`${key} ${row.form}`, () => sendCases(key, row, lane));
      problems.push(...found);
      if (found.length === 0) clean.push(row);
    }
    let sent = rows.reduce((n, row) => n + casesOf(row).length, 0);
    for (const row of clean) {
      const typed = typedCase(row);
      if (!typed) continue;
      problems.push(...(await sending(`${key} ${row.form}`, () => sendTyped(key, row, lane, typed))));
      sent++;
    }
    return { problems, sent };
  }

  it('refuses every bad value on every form beside its field, with a 4xx, and changes nothing', async () => {
    last = await fingerprint();
    const forms = FORMS.filter((r) => Object.keys(r.fields).length > 0);
    // A form found on the first page it lists is sent from the survey's own opening of that page.
    const done: Exercised[] = [];
    const early = new Set<FormRow>();
    const surveyed = await survey(async (key, lane, found) => {
      const rows = forms.filter((row) => row.pages[0] === key && found.present.includes(FORMS.indexOf(row)));
      rows.forEach((row) => early.add(row));
      if (rows.length > 0) done.push(await exercisePage(key, rows, lane, true));
    });
    // The others on the first of their pages that has them, grouped by page; the pages with the most cases first (the longest last would run alone).
    const byPage = new Map<string, FormRow[]>();
    for (const row of forms.filter((r) => !early.has(r))) {
      const key = row.pages.find((page) => surveyed.get(page)!.present.includes(FORMS.indexOf(row)));
      assert.ok(key, `no page of ${row.pages.join(', ')} has the form ${row.form}`);
      byPage.set(key, [...(byPage.get(key) ?? []), row]);
    }
    const work = [...byPage].sort(([, a], [, b]) => weight(b) - weight(a));
    done.push(...(await inLanes(work, ([key, rows], lane) => exercisePage(key, rows, lane))));
    const problems = done.flatMap((d) => d.problems);
    const sent = done.reduce((n, d) => n + d.sent, 0);
    assert.equal(problems.length, 0, `${problems.length} of ${sent} bad inputs were not refused as they should be:\n${problems.join('\n')}`);
    assert.deepEqual(await fingerprint(), databaseBefore, 'the database is as it was');
    assert.equal(await ordersState(), ordersBefore, 'every order is as it was');
  });

  /** What each page of `PAGES` holds: its forms, the `FORMS` rows each matches, and the rows present on it. */
  interface Surveyed {
    forms: { index: number; action: string; controls: string[]; rows: number[] }[];
    present: number[];
  }
  /** The bad values of some forms: how long they take, roughly. */
  const weight = (rows: FormRow[]) => rows.reduce((n, row) => n + casesOf(row).length, 0);

  let surveying: Promise<Map<string, Surveyed>> | undefined;
  /**
   * Every page opened once (`LANES` at a time), for both tests; refused input changes none of
   * them (the first test's check). `alongside`, when this call makes the survey, runs on each
   * page right after its survey, the page still as it opened; the pages that list the most bad
   * values first come first.
   */
  function survey(alongside?: (key: string, lane: number, found: Surveyed) => Promise<void>): Promise<Map<string, Surveyed>> {
    const listedFirst = (key: string) => weight(FORMS.filter((row) => row.pages[0] === key));
    const order = [...ALL_PAGES].sort((a, b) => listedFirst(b) - listedFirst(a));
    surveying ??= inLanes(order, async (key, lane) => {
      const page = await open(key, lane);
      const rows = FORMS.flatMap((row, i) => (row.pages.includes(key) ? [[i, row.form]] : []));
      const found = (await page.evaluate(`__bad.survey(${JSON.stringify(rows)})`)) as Surveyed;
      await alongside?.(key, lane, found);
      return found;
    }).then((found) => new Map(order.map((key, i) => [key, found[i]!])));
    return surveying;
  }

  it('covers every form, and every named control of each, on every page a user can reach', async () => {
    const uncovered: string[] = [];
    const used = new Set<FormRow>();
    const surveyed = await survey();
    for (const key of ALL_PAGES) {
      for (const form of surveyed.get(key)!.forms) {
        const rows = form.rows.map((i) => FORMS[i]!);
        if (rows.length === 0) uncovered.push(`${key}: the form to ${form.action} is in no line of FORMS`);
        rows.forEach((r) => used.add(r));
        const fields = new Set(rows.flatMap((r) => Object.keys(r.fields)));
        for (const control of form.controls) if (!fields.has(control)) uncovered.push(`${key}: ${form.action} has the control "${control}" with no bad values`);
      }
    }
    for (const row of FORMS) if (!used.has(row)) uncovered.push(`FORMS has ${row.form}, found on none of ${row.pages.join(', ')}`);
    assert.deepEqual(uncovered, []);
  });
});
