/**
 * The authorization matrix: every route the OpenAPI document lists, called by an anonymous
 * caller, a stranger, the owner and each staff role (and the expert role), must answer exactly the status its
 * declared access gives. A route without a fixture here fails the test, so every new route
 * joins the matrix.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createAccounts, staffRoles, type StaffRole } from '../../services/accounts.js';
import { systemClock } from '../../services/clock.js';
import { createConversations } from '../../services/conversations.js';
import { issueInvoice } from '../../db/invoices.js';
import { affiliateCommissionIn } from '../../db/ledger.js';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { documentedOperations, readmeTable, routesTable, type Operation } from '../../scripts/routes-table.js';
import { callerFor, codeMailedTo, PASSWORD, signUp, type Caller, type TestUser } from '../support/api.js';
import { buildApp, startPayingApi, type PayingApi, type TestDatabase } from '../support/harness.js';
import { insertOffer } from '../support/catalog.js';
import { insertOrder } from '../support/closed-orders.js';
import { insertJob } from '../support/jobs.js';
import { fund } from '../support/orders.js';
import { startTopUp, topUpByCard } from '../support/pay.js';
import { randomHex, seededRandom } from '../support/seed.js';
import { sampleOf } from '../support/attachment-samples.js';

type Persona = 'anonymous' | 'stranger' | 'owner' | StaffRole;
const personas: Persona[] = ['anonymous', 'stranger', 'owner', ...staffRoles];

interface Request {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** How to call a route validly as `caller`, with resources that belong to the owner. */
interface Fixture {
  success: number;
  build(caller: TestUser | undefined): Promise<Request> | Request;
}

describe('authorization matrix', () => {
  let api: PayingApi;
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  const users = {} as Record<Exclude<Persona, 'anonymous'>, TestUser>;
  let victim: TestUser;
  /** Sells to the personas: the seller of their orders. */
  let vendor: TestUser;
  let vendorsOffer: number;
  let ownersOffer: number;
  let ownersTopUpId: number;
  /** Pays card top-ups that staff refund (the victim's sessions end when the matrix blocks them). */
  let payer: TestUser;
  /** A withdrawal of the owner's, paid and closed: read from its row, no workflow involved. */
  let ownersWithdrawal: number;
  let promoCode: string;
  let unique = 0;
  const next = () => `${process.pid}_${++unique}`;
  // Random words, so that no two offers of one seller look like duplicates of each other;
  // drawn from the run's seed, so that every run writes the same offers.
  const random = seededRandom('test/api/authorization');
  const offerBody = () => ({
    categoryId: 11,
    title: `Logo ${randomHex(random, 24)}`,
    description: `${randomHex(random, 48)} ${randomHex(random, 48)}`,
    priceCents: 1_000,
    leadTimeDays: 2,
  });
  const idempotent = () => ({ 'idempotency-key': randomUUID() });
  /** A completed order the owner bought from the vendor: its workflow is gone, its row stays. */
  const ownersClosedOrder = () => insertOrder(database.db, { buyer: users.owner, offerId: vendorsOffer, ending: 'accepted' });
  /** The conversation of an open order the owner buys from the vendor; `disputed`: in arbitration, where arbiters and admins read it. */
  async function ownersConversation(disputed: boolean) {
    const orderId = await insertOrder(database.db, { buyer: users.owner, offerId: vendorsOffer, ending: 'in_progress' });
    if (disputed) await database.db.sql`update orders set status = 'arbitration' where id = ${orderId}`;
    const conversation = await createConversations({ db: database.db, clock: systemClock, workflows: createWorkflowGateway({ temporal, taskQueue: 'unused' }) }).forOrder({ id: users.owner.id, roles: [] }, orderId);
    return { orderId, conversationId: conversation.id };
  }
  /** An open individual offer (K-46) between the vendor and the owner, written straight to the table; `expired`: made 8 days ago. */
  async function individualOffer(direction: 'to owner' | 'by owner', expired = false) {
    const [seller, buyer, offer] = direction === 'to owner' ? [vendor.id, users.owner.id, vendorsOffer] : [users.owner.id, vendor.id, ownersOffer];
    const [row] = await database.db.sql<{ id: string }[]>`
      insert into individual_offers (seller_id, buyer_id, based_on_offer_id, description, price_cents, lead_time_days, created_at, expires_at)
      values (${seller}, ${buyer}, ${offer}, 'A matrix offer.', 2000, 2, now() - ${expired ? '8 days' : '0 days'}::interval, now() + ${expired ? '-1 days' : '7 days'}::interval)
      returning id`;
    return Number(row!.id);
  }
  /** An order group of the owner's, with no orders (the guard is what the matrix checks). */
  async function ownersOrderGroup() {
    const [row] = await database.db.sql<{ id: string }[]>`
      insert into order_groups (buyer_id, request_key, brief, created_at) values (${users.owner.id}, ${`matrix-${next()}`}, 'matrix', now()) returning id`;
    return Number(row!.id);
  }
  /** A multipart body with one PNG, as `POST /attachments` takes it. */
  const pngForm = () => {
    const form = new FormData();
    form.append('file', new File([sampleOf('png') as Uint8Array<ArrayBuffer>], 'matrix.png'));
    return form;
  };
  /**
   * An upload of `user`'s: its id. Sent in a session of its own: the matrix's password change
   * ended the sessions a persona signed up with.
   */
  const uploadOf = async (user: TestUser) => {
    const { token } = await createAccounts({ db: database.db, clock: systemClock }).createSession(user.id);
    return (await call('POST', '/attachments', { token, body: pngForm() })).body.id as string;
  };
  /** An image of the vendor's active offer: anyone downloads it (K-41). */
  let publicImage: string | undefined;
  async function vendorsImage() {
    if (!publicImage) {
      publicImage = await uploadOf(vendor);
      await call('PUT', `/offers/${vendorsOffer}/images`, { token: vendor.token, body: { imageIds: [publicImage] } });
    }
    return publicImage;
  }
  /** Makes the caller an affiliate (W-22), if they are not one yet. */
  async function makeAffiliate(caller: TestUser | undefined) {
    if (caller) {
      await database.db.sql`
        insert into affiliates (user_id, code, first_name, last_name, country, created_at)
        values (${caller.id}, ${`matrix${caller.id}`.padEnd(22, '0')}, 'Ada', 'Lovelace', 'PL', now()) on conflict do nothing`;
    }
  }
  /** Makes the caller an affiliate with a PayPal address and $1 in the wallet (W-25, W-28): a withdrawal of it succeeds. */
  let walletJob = 0;
  async function fundedAffiliate(caller: TestUser | undefined) {
    await makeAffiliate(caller);
    if (!caller) return;
    await database.db.sql`insert into affiliate_payout_settings (user_id, paypal_email, updated_at) values (${caller.id}, 'payee@example.com', now()) on conflict do nothing`;
    await database.db.sql.begin((tx) => affiliateCommissionIn(tx, { jobId: `matrix-${caller.id}-${++walletJob}`, affiliateId: caller.id, amount: 100, description: 'matrix' }));
  }
  /** Clears the caller's D-10 payout-details lock, which the login change of the matrix started. */
  async function unlockPayoutDetails(caller: TestUser | undefined) {
    if (caller) await database.db.sql`delete from withdrawal_locks where user_id = ${caller.id} and scope = 'payout_details'`;
  }
  /** A completed order the owner sold, with the buyer's feedback, and the owner's answer if `answer`. */
  async function feedbackOnOwnersSale(answer: string | null) {
    const orderId = await insertOrder(database.db, { buyer: vendor, offerId: ownersOffer, ending: 'accepted' });
    await database.db.sql`
      insert into feedback (order_id, buyer_id, seller_id, offer_id, verdict, text, created_at, answer, answer_status, answered_at)
      values (${orderId}, ${vendor.id}, ${users.owner.id}, ${ownersOffer}, 'like', 'Good work', now(),
        ${answer}::text, ${answer === null ? null : 'pending'}::text, case when ${answer}::text is null then null else now() end)`;
    return orderId;
  }

  /** A service request's row alone (no workflow: reads come from the row, actions past the guard find no workflow or a closed request). */
  async function requestOf(buyer: TestUser, status: 'awaiting_moderation' | 'active' | 'closed') {
    const [row] = await database.db.sql<{ id: string }[]>`
      insert into service_requests (buyer_id, category_id, title, description, status, posted_at, approved_at, active_until, closed_at, updated_at)
      values (${buyer.id}, 11, 'A matrix request', 'A request for the authorization matrix.', ${status}, now(),
        case when ${status} <> 'awaiting_moderation' then now() end, now() + interval '1 day', case when ${status} = 'closed' then now() end, now())
      returning id`;
    return Number(row!.id);
  }

  /** An invoice issued to the owner (W-14), with invoicing data for them written first (W-18). */
  async function ownersInvoice() {
    await database.db.sql`
      insert into invoicing_profiles (user_id, first_name, last_name, country, updated_at)
      values (${users.owner.id}, 'Owner', 'Matrix', 'PL', now()) on conflict (user_id) do nothing`;
    const invoice = await database.db.orm.transaction((tx) =>
      issueInvoice(tx, { jobId: null, clientId: users.owner.id, lines: [{ description: 'Matrix work', amountCents: 6_000 }], totalCents: 6_000, issuedAt: new Date() }),
    );
    return invoice.id;
  }

  before(async () => {
    api = await startPayingApi(import.meta.filename);
    ({ database, temporal, call } = api);
    for (const persona of ['stranger', 'owner', ...staffRoles] as const) users[persona] = await signUp(call, persona);
    victim = await signUp(call, 'victim');
    vendor = await signUp(call, 'vendor');
    vendorsOffer = await insertOffer(database.db, vendor.id);
    ownersOffer = await insertOffer(database.db, users.owner.id);
    // Every persona may place orders: money for each.
    for (const persona of ['stranger', 'owner', ...staffRoles] as const) await fund(database.db, users[persona].id, 100_000);
    const accounts = createAccounts({ db: database.db, clock: systemClock });
    for (const role of staffRoles) await accounts.grantRole(users[role].id, role);
    ownersTopUpId = (await startTopUp(call, users.owner, 1_000, 'card')).id;
    payer = await signUp(call, 'payer');
    const [withdrawal] = await database.db.sql`
      insert into withdrawals (user_id, method, destination, destination_label, amount, fee, net, status, expected_batch_at, created_at, updated_at, closed_at)
      values (${users.owner.id}, 'paypal', 'owner@paypal.example', 'owner@paypal.example', 1000, 30, 970, 'paid', now(), now(), now(), now()) returning id`;
    ownersWithdrawal = Number(withdrawal!.id);
    promoCode = `MATRIX${process.pid}`;
    const promo = await call('POST', '/admin/promo-codes', {
      token: users.admin.token,
      body: { code: promoCode, amountCents: 100, expiresAt: '2099-01-01T00:00:00Z', maxRedemptions: 1_000 },
    });
    assert.equal(promo.status, 201);
  });
  after(() => api?.stop());

  const fixtures: Record<string, Fixture> = {
    'GET /health': { success: 200, build: () => ({ path: '/health' }) },
    // Open here, as in development (no METRICS_TOKEN): test/integration/observability.test.ts covers the token.
    'GET /metrics': { success: 200, build: () => ({ path: '/metrics' }) },
    'POST /auth/register': {
      success: 201,
      build: () => {
        const login = `reg_${next()}`;
        return { path: '/auth/register', body: { login, email: `${login}@example.com`, password: PASSWORD } };
      },
    },
    'POST /auth/confirm-email': {
      success: 200,
      build: async () => {
        const fresh = await signUp(call, 'unconfirmed', { confirm: false });
        return { path: '/auth/confirm-email', body: { token: await codeMailedTo(call, fresh.email) } };
      },
    },
    'POST /auth/login': { success: 200, build: () => ({ path: '/auth/login', body: { login: users.owner.email, password: PASSWORD } }) },
    'POST /auth/password-reset': { success: 202, build: () => ({ path: '/auth/password-reset', body: { email: users.owner.email } }) },
    'POST /auth/password-reset/confirm': {
      success: 204,
      build: async () => {
        const fresh = await signUp(call, 'resetting');
        await call('POST', '/auth/password-reset', { body: { email: fresh.email } });
        return { path: '/auth/password-reset/confirm', body: { token: await codeMailedTo(call, fresh.email), password: PASSWORD } };
      },
    },
    // W-01: an account a job's submission created, activated with its mailed link.
    'POST /auth/activate': {
      success: 200,
      build: async () => {
        const email = `submitted_${next()}@example.com`;
        const accounts = createAccounts({ db: database.db, clock: systemClock });
        await database.db.orm.transaction((tx) => accounts.createAccountOnSubmission(tx, { email, now: new Date() }));
        const { body } = await call('GET', `/dev/outbox?to=${encodeURIComponent(email)}`);
        return { path: '/auth/activate', body: { token: /activate\?token=(\S+)/.exec(body.items[0].body)![1], password: PASSWORD } };
      },
    },
    'POST /auth/activation/resend': { success: 202, build: () => ({ path: '/auth/activation/resend', body: { email: users.owner.email } }) },
    'GET /me/export': { success: 200, build: () => ({ path: '/me/export' }) },
    // W-20: the caller's pending request withdrawn first (one at a time), or filed first to be withdrawn.
    'POST /me/closure': {
      success: 201,
      build: async (caller) => {
        if (caller) await database.db.sql`update account_closures set withdrawn_at = now() where user_id = ${caller.id} and withdrawn_at is null and completed_at is null`;
        return { path: '/me/closure', body: { reason: 'matrix' } };
      },
    },
    'GET /me/closure': { success: 200, build: () => ({ path: '/me/closure' }) },
    'DELETE /me/closure': {
      success: 204,
      build: async (caller) => {
        if (caller) await database.db.sql`insert into account_closures (user_id, reason, requested_at) values (${caller.id}, 'matrix', now()) on conflict do nothing`;
        return { path: '/me/closure' };
      },
    },
    'GET /staff/closures': { success: 200, build: () => ({ path: '/staff/closures' }) },
    // A new user with nothing in play each time: completing erases them.
    'POST /staff/closures/{id}/complete': {
      success: 200,
      build: async () => {
        const closing = await signUp(call, 'closing');
        const [row] = await database.db.sql<{ id: string }[]>`insert into account_closures (user_id, reason, requested_at) values (${closing.id}, 'matrix', now()) returning id`;
        return { path: `/staff/closures/${row!.id}/complete` };
      },
    },
    'POST /auth/logout': { success: 204, build: () => ({ path: '/auth/logout' }) },
    'GET /me': { success: 200, build: () => ({ path: '/me' }) },
    'PATCH /me/profile': { success: 200, build: () => ({ path: '/me/profile', body: { city: 'Porto' } }) },
    'POST /me/login-change': { success: 200, build: () => ({ path: '/me/login-change', body: { login: `renamed_${next()}`, password: PASSWORD } }) },
    'POST /me/email-change': { success: 202, build: () => ({ path: '/me/email-change', body: { email: `moved_${next()}@example.com`, password: PASSWORD } }) },
    // The same password again: every caller keeps signing in with PASSWORD. It ends the caller's other sessions (see `uploadOf`).
    'POST /me/password-change': { success: 204, build: () => ({ path: '/me/password-change', body: { currentPassword: PASSWORD, newPassword: PASSWORD } }) },
    'GET /me/payout-details': { success: 200, build: () => ({ path: '/me/payout-details' }) },
    // The matrix's login change locked each caller's payout details (D-10): unlocked first.
    'PUT /me/payout-details': {
      success: 200,
      build: async (caller) => (await unlockPayoutDetails(caller), { path: '/me/payout-details', body: { method: 'paypal', account: 'payee@example.com' } }),
    },
    'POST /me/payout-details/card-setup': { success: 201, build: async (caller) => (await unlockPayoutDetails(caller), { path: '/me/payout-details/card-setup' }) },
    'GET /me/withdrawal-locks': { success: 200, build: () => ({ path: '/me/withdrawal-locks' }) },
    'GET /me/balance': { success: 200, build: () => ({ path: '/me/balance' }) },
    'GET /me/statement': { success: 200, build: () => ({ path: '/me/statement' }) },
    'GET /balance/withdrawable': { success: 200, build: () => ({ path: '/balance/withdrawable' }) },
    'POST /top-ups': { success: 201, build: () => ({ path: '/top-ups', body: { amountCents: 500, method: 'card' }, headers: idempotent() }) },
    'GET /top-ups': { success: 200, build: () => ({ path: '/top-ups' }) },
    'GET /top-ups/{id}': { success: 200, build: () => ({ path: `/top-ups/${ownersTopUpId}` }) },
    'POST /top-ups/{id}/capture': { success: 200, build: () => ({ path: `/top-ups/${ownersTopUpId}/capture` }) },
    'POST /top-ups/{id}/cancel': { success: 200, build: () => ({ path: `/top-ups/${ownersTopUpId}/cancel` }) },
    'POST /me/promo-redemptions': { success: 201, build: () => ({ path: '/me/promo-redemptions', body: { code: promoCode } }) },
    'POST /admin/users/{id}/roles': { success: 200, build: () => ({ path: `/admin/users/${victim.id}/roles`, body: { role: 'support' } }) },
    'DELETE /admin/users/{id}/roles/{role}': { success: 200, build: () => ({ path: `/admin/users/${victim.id}/roles/support` }) },
    'POST /admin/users/{id}/block': { success: 204, build: () => ({ path: `/admin/users/${victim.id}/block`, body: { reason: 'matrix' } }) },
    'POST /admin/users/{id}/unblock': { success: 204, build: () => ({ path: `/admin/users/${victim.id}/unblock` }) },
    'POST /admin/promo-codes': {
      success: 201,
      build: () => ({ path: '/admin/promo-codes', body: { code: `M${next()}`, amountCents: 100, expiresAt: '2099-01-01T00:00:00Z', maxRedemptions: 1 } }),
    },
    'GET /admin/users': { success: 200, build: () => ({ path: `/admin/users?login=${victim.login.slice(0, 6)}` }) },
    'POST /admin/users/{id}/badges': { success: 201, build: () => ({ path: `/admin/users/${victim.id}/badges`, body: { kind: 'idea', reason: `matrix ${next()}` } }) },
    'DELETE /admin/users/{id}/badges/{awardId}': {
      success: 204,
      build: async () => {
        const [award] = await database.db.sql<{ id: string }[]>`
          insert into badge_awards (user_id, kind, reason, awarded_at) values (${victim.id}, 'idea', ${`matrix ${next()}`}, now()) returning id`;
        return { path: `/admin/users/${victim.id}/badges/${award!.id}` };
      },
    },
    'GET /site-activity': { success: 200, build: () => ({ path: '/site-activity' }) },
    'GET /dev/outbox': { success: 200, build: () => ({ path: '/dev/outbox' }) },
    'POST /offers': { success: 201, build: () => ({ path: '/offers', body: offerBody() }) },
    'GET /me/offers': { success: 200, build: () => ({ path: '/me/offers' }) },
    'GET /offers/{id}': { success: 200, build: async () => ({ path: `/offers/${await insertOffer(database.db, victim.id)}` }) },
    'PUT /offers/{id}': { success: 200, build: async () => ({ path: `/offers/${await insertOffer(database.db, users.owner.id, { status: 'draft' })}`, body: offerBody() }) },
    // Submitting starts a moderation workflow: this file runs no worker, and none is needed to start one.
    'POST /offers/{id}/submit': { success: 200, build: async () => ({ path: `/offers/${await insertOffer(database.db, users.owner.id, { status: 'draft' })}/submit` }) },
    'POST /offers/{id}/pause': { success: 200, build: async () => ({ path: `/offers/${await insertOffer(database.db, users.owner.id)}/pause` }) },
    'POST /offers/{id}/resume': { success: 200, build: async () => ({ path: `/offers/${await insertOffer(database.db, users.owner.id, { status: 'paused' })}/resume` }) },
    'DELETE /offers/{id}': { success: 204, build: async () => ({ path: `/offers/${await insertOffer(database.db, users.owner.id, { status: 'draft' })}` }) },
    'GET /me/cart': { success: 200, build: () => ({ path: '/me/cart' }) },
    'POST /me/cart': { success: 200, build: async () => ({ path: '/me/cart', body: { offerId: await insertOffer(database.db, victim.id) } }) },
    'DELETE /me/cart/{id}': {
      success: 204,
      build: async () => {
        const offerId = await insertOffer(database.db, victim.id);
        const [line] = await database.db.sql`
          insert into cart_items (user_id, offer_id, created_at, expires_at) values (${users.owner.id}, ${offerId}, now(), now() + interval '14 days') returning id`;
        return { path: `/me/cart/${line!.id}` };
      },
    },
    'GET /offers': { success: 200, build: () => ({ path: '/offers?q=logo' }) },
    'GET /users': { success: 200, build: () => ({ path: '/users?login=ow' }) },
    'GET /categories': { success: 200, build: () => ({ path: '/categories' }) },
    'PUT /me/favorites/{offerId}': { success: 204, build: async () => ({ path: `/me/favorites/${await insertOffer(database.db, victim.id)}` }) },
    'DELETE /me/favorites/{offerId}': { success: 204, build: async () => ({ path: `/me/favorites/${await insertOffer(database.db, victim.id)}` }) },
    'GET /me/favorites': { success: 200, build: () => ({ path: '/me/favorites' }) },
    'GET /me/referrals': { success: 200, build: () => ({ path: '/me/referrals' }) },
    'GET /me/invoicing': { success: 200, build: () => ({ path: '/me/invoicing' }) },
    'PUT /me/invoicing': {
      success: 200,
      build: () => ({ path: '/me/invoicing', body: { firstName: 'Anna', lastName: 'Nowak', country: 'DE', company: { name: 'Nowak GmbH', address: 'Hauptstr. 1, Berlin', taxId: 'DE123456789' } } }),
    },
    'GET /me/invoices': { success: 200, build: () => ({ path: '/me/invoices' }) },
    'GET /invoices/{id}/pdf': { success: 200, build: async () => ({ path: `/invoices/${await ownersInvoice()}/pdf` }) },
    // Becoming an affiliate answers 201 the first time; the reads need the caller to be one (else 404).
    'POST /me/affiliate': {
      success: 201,
      build: async (caller) => {
        if (caller) await database.db.sql`delete from affiliates where user_id = ${caller.id}`;
        return { path: '/me/affiliate', body: { firstName: 'Ada', lastName: 'Lovelace', country: 'PL' } };
      },
    },
    'GET /me/affiliate': { success: 200, build: async (caller) => (await makeAffiliate(caller), { path: '/me/affiliate' }) },
    'GET /me/affiliate/referrals': { success: 200, build: async (caller) => (await makeAffiliate(caller), { path: '/me/affiliate/referrals' }) },
    'GET /me/affiliate/wallet': { success: 200, build: async (caller) => (await makeAffiliate(caller), { path: '/me/affiliate/wallet' }) },
    'GET /me/affiliate/commissions': { success: 200, build: async (caller) => (await makeAffiliate(caller), { path: '/me/affiliate/commissions' }) },
    'GET /me/affiliate/payouts': { success: 200, build: async (caller) => (await makeAffiliate(caller), { path: '/me/affiliate/payouts' }) },
    'GET /me/affiliate/jobs': { success: 200, build: async (caller) => (await makeAffiliate(caller), { path: '/me/affiliate/jobs' }) },
    'PUT /me/affiliate/payout-settings': {
      success: 200,
      build: async (caller) => (await makeAffiliate(caller), { path: '/me/affiliate/payout-settings', body: { paypalEmail: 'payee@example.com', autoPayout: false } }),
    },
    'POST /me/affiliate/withdrawals': { success: 201, build: async (caller) => (await fundedAffiliate(caller), { path: '/me/affiliate/withdrawals', body: { amountCents: 100 } }) },
    'GET /moderation/queue': { success: 200, build: () => ({ path: '/moderation/queue' }) },
    // Past the guard, an offer with nothing awaiting moderation answers 404: the guard is what this checks.
    'POST /moderation/offers/{id}/decision': {
      success: 404,
      build: async () => ({ path: `/moderation/offers/${await insertOffer(database.db, victim.id)}/decision`, body: { decision: 'approve' } }),
    },
    'POST /admin/offers/{id}/block': { success: 200, build: async () => ({ path: `/admin/offers/${await insertOffer(database.db, victim.id)}/block`, body: { reason: 'gambling' } }) },
    // Placing an order only starts its workflow: no worker is needed.
    'POST /orders': { success: 201, build: () => ({ path: '/orders', body: { offerId: vendorsOffer }, headers: idempotent() }) },
    'GET /orders': { success: 200, build: () => ({ path: '/orders?role=buyer' }) },
    'POST /me/cart/checkout': {
      success: 201,
      build: async (caller) => {
        if (caller) {
          const offerId = await insertOffer(database.db, vendor.id);
          await database.db.sql`
            insert into cart_items (user_id, offer_id, created_at, expires_at) values (${caller.id}, ${offerId}, now(), now() + interval '14 days')`;
        }
        return { path: '/me/cart/checkout', headers: idempotent() };
      },
    },
    // A completed order is read from its row: no workflow is queried.
    'GET /orders/{id}': { success: 200, build: async () => ({ path: `/orders/${await ownersClosedOrder()}` }) },
    // Past the guard, actions on a closed order answer 409: the guard is what this checks.
    'POST /orders/{id}/actions': { success: 409, build: async () => ({ path: `/orders/${await ownersClosedOrder()}/actions`, body: { type: 'accept' } }) },
    'GET /arbitration/cases': { success: 200, build: () => ({ path: '/arbitration/cases' }) },
    'POST /arbitration/orders/{id}/take': { success: 409, build: async () => ({ path: `/arbitration/orders/${await ownersClosedOrder()}/take` }) },
    'POST /arbitration/orders/{id}/decision': {
      success: 409,
      build: async () => ({ path: `/arbitration/orders/${await ownersClosedOrder()}/decision`, body: { decision: { kind: 'refund_buyer' }, comment: 'matrix' } }),
    },
    'POST /admin/orders/{id}/cancel': { success: 409, build: async () => ({ path: `/admin/orders/${await ownersClosedOrder()}/cancel`, body: { reason: 'matrix' } }) },
    'GET /staff/attention': { success: 200, build: () => ({ path: '/staff/attention' }) },
    'GET /staff/outbox/failed': { success: 200, build: () => ({ path: '/staff/outbox/failed' }) },
    'GET /me/notification-settings': { success: 200, build: () => ({ path: '/me/notification-settings' }) },
    'PUT /me/notification-settings': { success: 200, build: () => ({ path: '/me/notification-settings', body: { kinds: [{ kind: 'order_placed', inApp: true, email: false }] } }) },
    'GET /me/standing': { success: 200, build: () => ({ path: '/me/standing' }) },
    // A fresh offer each time: one open report per reporter and subject.
    'POST /reports': { success: 201, build: async () => ({ path: '/reports', body: { subject: 'offer', subjectId: await insertOffer(database.db, vendor.id), reason: 'matrix' } }) },
    'GET /staff/reports': { success: 200, build: () => ({ path: '/staff/reports' }) },
    'GET /conversations': { success: 200, build: () => ({ path: '/conversations' }) },
    // A new user each time: the first ask creates the conversation (201).
    'POST /conversations': { success: 201, build: async () => ({ path: '/conversations', body: { withUserId: (await signUp(call, 'peer')).id } }) },
    'GET /orders/{id}/conversation': { success: 200, build: async () => ({ path: `/orders/${(await ownersConversation(true)).orderId}/conversation` }) },
    'GET /conversations/{id}/messages': { success: 200, build: async () => ({ path: `/conversations/${(await ownersConversation(true)).conversationId}/messages` }) },
    // Not disputed: staff have no part in it, so they are answered as strangers (a disputed one answers staff 403: read-only).
    'POST /conversations/{id}/messages': { success: 201, build: async () => ({ path: `/conversations/${(await ownersConversation(false)).conversationId}/messages`, body: { text: 'matrix' } }) },
    'POST /conversations/{id}/read': { success: 200, build: async () => ({ path: `/conversations/${(await ownersConversation(false)).conversationId}/read`, body: { upToMessageId: 1 } }) },
    'GET /me/unread': { success: 200, build: () => ({ path: '/me/unread' }) },
    // Past the guard, a price under K-46's $10 answers 422 before the caller's level is looked at.
    'POST /individual-offers': { success: 422, build: () => ({ path: '/individual-offers', body: { buyerId: vendor.id, basedOnOfferId: ownersOffer, description: 'A matrix offer.', priceCents: 1, leadTimeDays: 2 } }) },
    'GET /individual-offers/{id}': { success: 200, build: async () => ({ path: `/individual-offers/${await individualOffer('to owner')}` }) },
    // Expired: past the guard, accepting answers 409 and places nothing.
    'POST /individual-offers/{id}/accept': { success: 409, build: async () => ({ path: `/individual-offers/${await individualOffer('to owner', true)}/accept`, headers: idempotent() }) },
    'POST /individual-offers/{id}/decline': { success: 200, build: async () => ({ path: `/individual-offers/${await individualOffer('to owner')}/decline` }) },
    'POST /individual-offers/{id}/withdraw': { success: 200, build: async () => ({ path: `/individual-offers/${await individualOffer('by owner')}/withdraw` }) },
    'GET /me/individual-offers': { success: 200, build: () => ({ path: '/me/individual-offers?role=sent' }) },
    // Past the guard, a group of one offer answers 422 (K-06: 2–5): nothing is placed.
    'POST /order-groups': { success: 422, build: () => ({ path: '/order-groups', body: { offerIds: [vendorsOffer], brief: 'matrix' }, headers: idempotent() }) },
    'GET /order-groups/{id}': { success: 200, build: async () => ({ path: `/order-groups/${await ownersOrderGroup()}` }) },
    'GET /me/order-groups': { success: 200, build: () => ({ path: '/me/order-groups' }) },
    'POST /attachments': { success: 201, build: () => ({ path: '/attachments', body: pngForm() }) },
    'GET /attachments/{id}': { success: 200, build: async () => ({ path: `/attachments/${await vendorsImage()}` }) },
    'PUT /offers/{id}/images': { success: 200, build: () => ({ path: `/offers/${ownersOffer}/images`, body: { imageIds: [] } }) },
    'GET /orders/{id}/portfolio': { success: 200, build: async () => ({ path: `/orders/${await ownersClosedOrder()}/portfolio` }) },
    'POST /orders/{id}/portfolio-consent': { success: 200, build: async () => ({ path: `/orders/${await ownersClosedOrder()}/portfolio-consent`, body: { consent: false } }) },
    // The owner sold this completed logo order: they add its result (their own upload).
    'POST /orders/{id}/portfolio': {
      success: 201,
      build: async () => ({
        path: `/orders/${await insertOrder(database.db, { buyer: vendor, offerId: ownersOffer, ending: 'accepted' })}/portfolio`,
        body: { attachmentIds: [await uploadOf(users.owner)] },
      }),
    },
    // Past the guard, an unknown report answers 404: the guard is what this checks.
    'POST /staff/reports/{id}/resolve': { success: 404, build: () => ({ path: '/staff/reports/999999999/resolve', body: { resolution: 'matrix' } }) },
    'GET /staff/standings': { success: 200, build: () => ({ path: '/staff/standings' }) },
    // Past the guard, an unknown user answers 404 and a lift with no block running 409: no workflow is started.
    'POST /staff/users/{id}/sanctions': { success: 404, build: () => ({ path: '/staff/users/999999999/sanctions', body: { kind: 'staff_warning', reason: 'matrix' } }) },
    'POST /staff/users/{id}/sanctions/lift': { success: 409, build: () => ({ path: `/staff/users/${victim.id}/sanctions/lift`, body: { block: 'all', reason: 'matrix' } }) },
    // Past the guard, a workflow that holds for nobody answers 404: the guard is what this checks.
    'POST /staff/attention/{workflowId}/resolve': { success: 404, build: () => ({ path: '/staff/attention/order-1/resolve', body: {} }) },
    // Past the guard, a withdrawal under the minimum answers 422: no workflow is started.
    'POST /withdrawals': { success: 422, build: () => ({ path: '/withdrawals', body: { amountCents: 1 }, headers: idempotent() }) },
    'GET /withdrawals': { success: 200, build: () => ({ path: '/withdrawals' }) },
    'GET /withdrawals/{id}': { success: 200, build: () => ({ path: `/withdrawals/${ownersWithdrawal}` }) },
    // Past the guard, actions on a closed withdrawal answer 409: the guard is what this checks.
    'POST /withdrawals/{id}/cancel': { success: 409, build: () => ({ path: `/withdrawals/${ownersWithdrawal}/cancel` }) },
    'GET /staff/withdrawals': { success: 200, build: () => ({ path: '/staff/withdrawals?status=paid' }) },
    'GET /staff/withdrawals/{id}': { success: 200, build: () => ({ path: `/staff/withdrawals/${ownersWithdrawal}` }) },
    'POST /staff/withdrawals/{id}/hold': { success: 409, build: () => ({ path: `/staff/withdrawals/${ownersWithdrawal}/hold`, body: { reason: 'matrix' } }) },
    'POST /staff/withdrawals/{id}/release': { success: 409, build: () => ({ path: `/staff/withdrawals/${ownersWithdrawal}/release` }) },
    'POST /staff/withdrawals/{id}/reject': { success: 409, build: () => ({ path: `/staff/withdrawals/${ownersWithdrawal}/reject`, body: { reason: 'matrix' } }) },
    // A card top-up paid on the stand-in's page for each call: staff refund it to its card (K-48).
    'POST /staff/top-ups/{id}/refund': { success: 200, build: async () => ({ path: `/staff/top-ups/${(await topUpByCard(call, payer, 700)).topUp.id}/refund` }) },
    'GET /staff/payout-batches': { success: 200, build: () => ({ path: '/staff/payout-batches' }) },
    'GET /staff/provider-events': { success: 200, build: () => ({ path: '/staff/provider-events?status=unmatched' }) },
    // Public: anyone may deliver, and only a valid signature is taken. The guard lets every caller through to 400.
    'POST /webhooks/card': {
      success: 400,
      build: () => ({ path: '/webhooks/card', body: { id: `evt_${next()}`, object: 'event', type: 'payment_intent.succeeded', created: 1, data: { object: { id: 'pi_matrix' } } }, headers: { 'stripe-signature': `t=1,v1=${'0'.repeat(64)}` } }),
    },
    'POST /webhooks/paypal': {
      success: 400,
      build: () => ({ path: '/webhooks/paypal', body: { id: `WH-${next()}`, event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: {} } }),
    },
    'GET /notifications': { success: 200, build: () => ({ path: '/notifications' }) },
    'POST /notifications/read': { success: 200, build: () => ({ path: '/notifications/read', body: { all: true } }) },
    'GET /orders/{id}/feedback': { success: 200, build: async () => ({ path: `/orders/${await ownersClosedOrder()}/feedback` }) },
    'POST /orders/{id}/feedback': {
      success: 201,
      build: async () => ({ path: `/orders/${await ownersClosedOrder()}/feedback`, body: { verdict: 'like', text: 'Well done' } }),
    },
    'POST /orders/{id}/feedback/answer': {
      success: 201,
      build: async () => ({ path: `/orders/${await feedbackOnOwnersSale(null)}/feedback/answer`, body: { text: 'Thank you' } }),
    },
    'GET /users/{login}/feedback': { success: 200, build: () => ({ path: `/users/${vendor.login}/feedback` }) },
    'GET /users/{login}': { success: 200, build: () => ({ path: `/users/${vendor.login}` }) },
    'POST /staff/feedback/{orderId}/delete': {
      success: 200,
      build: async () => ({ path: `/staff/feedback/${await feedbackOnOwnersSale(null)}/delete`, body: { reason: 'boosted (matrix)' } }),
    },
    // Posting starts the request's workflow: no worker is needed to start one.
    'POST /requests': { success: 201, build: () => ({ path: '/requests', body: { title: 'A matrix request', description: 'A request for the authorization matrix.', categoryId: 11 } }) },
    'GET /requests': { success: 200, build: () => ({ path: '/requests?categoryId=11' }) },
    'GET /me/requests': { success: 200, build: () => ({ path: '/me/requests' }) },
    // Awaiting moderation: its buyer and staff see it; anyone else is answered 404.
    'GET /requests/{id}': { success: 200, build: async () => ({ path: `/requests/${await requestOf(users.owner, 'awaiting_moderation')}` }) },
    // Past the guard, an active request answered with an offer that is not the caller's: 422.
    'POST /requests/{id}/answers': { success: 422, build: async () => ({ path: `/requests/${await requestOf(victim, 'active')}/answers`, body: { offerId: vendorsOffer } }) },
    // Past the guard, an active request whose workflow the server does not have answers 404.
    'POST /requests/{id}/answers/{answerId}/withdraw': { success: 404, build: async () => ({ path: `/requests/${await requestOf(victim, 'active')}/answers/1/withdraw` }) },
    // Past the guard, the owner's closed request answers 409; anyone else's look is 404.
    'POST /requests/{id}/picks': { success: 409, build: async () => ({ path: `/requests/${await requestOf(users.owner, 'closed')}/picks`, body: { answerIds: [1] } }) },
    'POST /requests/{id}/close': { success: 409, build: async () => ({ path: `/requests/${await requestOf(users.owner, 'closed')}/close` }) },
    'GET /staff/requests': { success: 200, build: () => ({ path: '/staff/requests' }) },
    'POST /staff/requests/{id}/approve': { success: 409, build: async () => ({ path: `/staff/requests/${await requestOf(victim, 'closed')}/approve` }) },
    'POST /staff/requests/{id}/reject': { success: 409, build: async () => ({ path: `/staff/requests/${await requestOf(victim, 'closed')}/reject`, body: { reason: 'matrix' } }) },
    // This app holds no payload keys: plain payloads come back as they are (issue 19 §5).
    'POST /codec/decode': { success: 200, build: () => ({ path: '/codec/decode', body: { payloads: [{ metadata: { encoding: btoa('json/plain') }, data: btoa('1') }] } }) },
    'POST /codec/encode': { success: 200, build: () => ({ path: '/codec/encode', body: { payloads: [{ metadata: { encoding: btoa('json/plain') }, data: btoa('1') }] } }) },
    'OPTIONS /codec/decode': { success: 204, build: () => ({ path: '/codec/decode' }) },
    'OPTIONS /codec/encode': { success: 204, build: () => ({ path: '/codec/encode' }) },
    'GET /job-installs': { success: 200, build: () => ({ path: '/job-installs' }) },
    // W-06: staff's catalog; a change goes to an install of the matrix's own (the seeded ones stay as they are).
    'GET /staff/job-installs': { success: 200, build: () => ({ path: '/staff/job-installs' }) },
    'POST /staff/job-installs': { success: 201, build: () => ({ path: '/staff/job-installs', body: { name: `Matrix install ${next()}`, description: 'Installs the matrix.', priceCents: 4_900 } }) },
    'PATCH /staff/job-installs/{id}': {
      success: 200,
      build: async () => {
        const [install] = await database.db.sql<{ id: string }[]>`insert into job_installs (name, description, price_cents) values ('Matrix install', 'Installs the matrix.', 4900) returning id`;
        return { path: `/staff/job-installs/${install!.id}`, body: { priceCents: 5_900 } };
      },
    },
    // Anonymous, an email makes the account (W-01, the stand-in here); signed in, the caller is the client.
    'POST /jobs': {
      success: 201,
      build: (caller) => ({
        path: '/jobs',
        body: { title: 'A matrix job', description: 'Fix the contact form of my site.', urgency: 'normal', ...(caller ? {} : { email: `job_${next()}@example.com` }) },
        headers: idempotent(),
      }),
    },
    'GET /me/jobs': { success: 200, build: () => ({ path: '/me/jobs' }) },
    'GET /expert/queue': { success: 200, build: () => ({ path: '/expert/queue' }) },
    'GET /expert/jobs': { success: 200, build: () => ({ path: '/expert/jobs' }) },
    'GET /staff/jobs': { success: 200, build: () => ({ path: '/staff/jobs?cancellationRequested=true' }) },
    // Not open: an expert who is not its expert sees it no more than a stranger.
    'GET /jobs/{id}': { success: 200, build: async () => ({ path: `/jobs/${await insertJob(database.db, users.owner.id, 'estimating')}` }) },
    'GET /jobs/{id}/conversation': { success: 200, build: async () => ({ path: `/jobs/${await insertJob(database.db, users.owner.id, 'estimating')}/conversation` }) },
    // Past the guard, the job has no workflow: 409.
    'POST /jobs/{id}/claim': { success: 409, build: async () => ({ path: `/jobs/${await insertJob(database.db, users.owner.id, 'open')}/claim` }) },
    'POST /jobs/{id}/estimate': {
      success: 409,
      build: async (caller) => ({
        path: `/jobs/${await insertJob(database.db, users.owner.id, 'estimating', caller ? { expertId: caller.id } : {})}/estimate`,
        body: { hours: 1.5, plan: 'Fix the form.' },
      }),
    },
    'POST /jobs/{id}/deliver': {
      success: 409,
      build: async (caller) => ({ path: `/jobs/${await insertJob(database.db, users.owner.id, 'in_progress', caller ? { expertId: caller.id } : {})}/deliver`, body: { note: 'Done.' } }),
    },
    'POST /jobs/{id}/pay': { success: 409, build: async () => ({ path: `/jobs/${await insertJob(database.db, users.owner.id, 'estimated')}/pay`, body: { estimateNumber: 1 } }) },
    'POST /jobs/{id}/reject-estimate': { success: 409, build: async () => ({ path: `/jobs/${await insertJob(database.db, users.owner.id, 'estimated')}/reject-estimate`, body: { reason: 'Too dear.' } }) },
    'POST /jobs/{id}/different-expert': { success: 409, build: async () => ({ path: `/jobs/${await insertJob(database.db, users.owner.id, 'estimating')}/different-expert`, body: { reason: 'No answer.' } }) },
    'POST /jobs/{id}/cancel': { success: 409, build: async () => ({ path: `/jobs/${await insertJob(database.db, users.owner.id, 'open')}/cancel`, body: { reason: 'Not needed.' } }) },
    'POST /jobs/{id}/approve': { success: 409, build: async () => ({ path: `/jobs/${await insertJob(database.db, users.owner.id, 'delivered')}/approve` }) },
    'POST /jobs/{id}/review': { success: 200, build: async () => ({ path: `/jobs/${await insertJob(database.db, users.owner.id, 'approved')}/review`, body: { stars: 5, comment: 'Great.' } }) },
    'POST /jobs/{id}/resume-conversation': { success: 200, build: async () => ({ path: `/jobs/${await insertJob(database.db, users.owner.id, 'approved')}/resume-conversation` }) },
    'POST /staff/jobs/{id}/reassign': {
      success: 409,
      build: async () => ({ path: `/staff/jobs/${await insertJob(database.db, users.owner.id, 'estimating')}/reassign`, body: { expertId: users.expert.id, note: 'Asked by the client.' } }),
    },
    'POST /staff/jobs/{id}/cancellation-decision': {
      success: 409,
      build: async () => ({ path: `/staff/jobs/${await insertJob(database.db, users.owner.id, 'cancellation_requested')}/cancellation-decision`, body: { decision: 'full', reason: 'Work had not started.' } }),
    },
    'GET /moderation/feedback-answers': { success: 200, build: () => ({ path: '/moderation/feedback-answers' }) },
    'POST /moderation/feedback-answers/{orderId}/decision': {
      success: 200,
      build: async () => ({ path: `/moderation/feedback-answers/${await feedbackOnOwnersSale('Thank you')}/decision`, body: { decision: 'approve' } }),
    },
  };

  /** The status `persona` must get from a route with `access`, whose success status is `success`. */
  function expected(access: string, persona: Persona, success: number): number {
    if (access === 'public' || access === 'dev') return success;
    if (persona === 'anonymous') return 401;
    if (access === 'user') return success;
    if (access === 'owner') return persona === 'owner' ? success : 404;
    if (access.startsWith('staff:')) return access.slice(6).split('|').includes(persona) ? success : 403;
    // The fixtures make the owner persona the order's buyer; any other party answers like a stranger.
    if (access === 'party') return persona === 'owner' ? success : 404;
    if (access.startsWith('party+staff:')) return persona === 'owner' || access.slice(12).split('|').includes(persona) ? success : 404;
    throw new Error(`unknown access ${access}`);
  }

  it('has a fixture for every documented route, and a documented route for every fixture', async () => {
    const documented = (await documentedOperations()).map((op) => `${op.method} ${op.path}`).sort();
    assert.deepEqual(documented, Object.keys(fixtures).sort());
  });

  it('answers every route, for every caller, with the status its declared access gives', async () => {
    const operations: Operation[] = await documentedOperations();
    const accounts = createAccounts({ db: database.db, clock: systemClock });
    const failures: string[] = [];
    let checked = 0;
    for (const op of operations) {
      assert.notEqual(op.access, 'undeclared', `${op.method} ${op.path} declares no access`);
      const fixture = fixtures[`${op.method} ${op.path}`]!;
      for (const persona of personas) {
        const user = persona === 'anonymous' ? undefined : users[persona];
        // A session of its own for every call: logout must not end the others'.
        const token = user ? (await accounts.createSession(user.id)).token : undefined;
        const request = await fixture.build(user);
        const res = await call(op.method, request.path, { token, body: request.body, headers: request.headers });
        const want = expected(op.access, persona, fixture.success);
        checked++;
        if (res.status !== want) failures.push(`${op.method} ${op.path} as ${persona}: ${res.status}, expected ${want} (${JSON.stringify(res.body)})`);
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(checked >= operations.length * personas.length);
  });

  it('has no development route in production', async () => {
    const production = callerFor(buildApp({ db: database.db, temporal, devRoutes: false }));
    assert.equal((await production('GET', '/dev/outbox')).status, 404);
  });

  it('keeps the README’s route table the one the document generates', async () => {
    assert.equal(readmeTable(), await routesTable(), 'run `npm run docs:routes`');
  });
});
