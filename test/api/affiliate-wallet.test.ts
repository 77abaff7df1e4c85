/**
 * The affiliate wallet (issue 18; W-24…W-28, D-04, D-07): an approved job's commission posted
 * once into the affiliate's wallet (`earnJobCommissionIn`, called as the job's approval calls it,
 * after `assignOnCompletedJob`), nothing for a client with no assigned affiliate or one whose
 * window passed, and the wallet through the real API: the dashboard's commissions (logins in
 * part), every job the clients ordered with its value, status and commission (W-27), PayPal
 * settings, and withdrawals held at once (minimum $1, no fee, never twice the money).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createLedger } from '../../db/ledger.js';
import { maskLogin } from '../../workflows/lib/referral.js';
import { approveJob, makeAffiliate, referredClient } from '../support/affiliates.js';
import { callerFor, manualClock, signUp, type Caller, type TestUser } from '../support/api.js';
import { buildApp, connectTemporal, createTestDatabase, type TestDatabase } from '../support/harness.js';
import { insertJob } from '../support/jobs.js';
import { assertLedgerConsistent, insertConfirmedUser } from '../support/ledger.js';

const WEB = 'http://web.test';
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;

describe('affiliate wallet: commissions on approved jobs, withdrawals', () => {
  let database: TestDatabase;
  let temporal: Client;
  let call: Caller;
  const clock = manualClock(new Date(T0));
  let affiliate: TestUser;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    call = callerFor(buildApp({ db: database.db, temporal, clock, webUrl: WEB }));
    affiliate = await signUp(call, 'affw');
    const res = await call('POST', '/me/affiliate', { token: affiliate.token, body: { firstName: 'Ada', lastName: 'Lovelace', country: 'PL' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });
  after(async () => {
    await database?.drop();
    await temporal?.connection.close();
  });

  const ledger = () => createLedger(database.db);
  const wallet = (userId: number) => ledger().accountBalance(`user:${userId}:affiliate`);

  const referred = (visitMs: number) => referredClient(database.db, affiliate.id, visitMs);
  const approve = (jobId: number, clientId: number, paidCents: number, atMs: number) => approveJob(database.db, { jobId, clientId, paidCents, atMs });

  it('earns the level’s cut once per job into the wallet, even when the approval is written twice (W-24, W-25, D-07)', async () => {
    const client = await referred(T0);
    const first = await approve(900_001, client.id, 133_333, T0 + DAY);
    assert.deepEqual(first, { affiliateId: affiliate.id, level: 1, amountCents: 13_333 });
    const again = await approve(900_001, client.id, 133_333, T0 + DAY);
    assert.deepEqual(again, first, 'the second call answers the first result');
    assert.equal(await wallet(affiliate.id), 13_333, 'posted once');
    const tx = await ledger().transactionByKey('affiliate:job-900001:commission');
    assert.deepEqual(tx?.postings, [
      { accountKey: 'platform:revenue', amount: -13_333 },
      { accountKey: `user:${affiliate.id}:affiliate`, amount: 13_333 },
    ]);
    await assertLedgerConsistent(database.db);
  });

  it('earns nothing for a client with no affiliate, nor for a job approved after the 3-month window (W-23, W-25)', async () => {
    const stranger = await insertConfirmedUser(database.db, `affw_stranger_${process.pid}`);
    assert.equal(await approve(900_010, stranger.id, 50_000, T0 + DAY), null);
    const late = await referred(T0);
    const threeMonthsOn = Date.parse('2027-03-01T10:00:00.000Z');
    assert.equal(await approve(900_011, late.id, 50_000, threeMonthsOn + 60_000), null, 'one minute after the window: never assigned');
    assert.equal(await ledger().transactionByKey('affiliate:job-900011:commission'), null);
    assert.equal(await wallet(affiliate.id), 13_333);
  });

  it('earns the 10th approved job at 10 % and the 11th at 12.5 % (D-07: the level by the approved jobs before it)', async () => {
    const { id: affiliateId } = await insertConfirmedUser(database.db, `affw_levels_${process.pid}`);
    await makeAffiliate(database.db, affiliateId);
    const client = await referredClient(database.db, affiliateId, T0);
    const earned = [];
    for (let n = 1; n <= 11; n++) earned.push(await approveJob(database.db, { jobId: 910_000 + n, clientId: client.id, paidCents: 10_001, atMs: T0 + n * 60_000 }));
    assert.deepEqual(earned.slice(8).map((e) => [e?.level, e?.amountCents]), [[1, 1_000], [1, 1_000], [2, 1_250]], '9th and 10th at 10 % (rounded down), 11th at 12.5 %');
    assert.equal(await wallet(affiliateId), 10 * 1_000 + 1_250);
  });

  it('shows the wallet, level and commissions with logins in part, and holds a PayPal withdrawal at once for the run after the cut-off (W-19, W-27…W-29, D-04, D-06)', async () => {
    const client = await referred(T0);
    await approve(900_020, client.id, 200_000, T0 + 2 * DAY);
    const wallet = await call('GET', '/me/affiliate/wallet', { token: affiliate.token });
    assert.equal(wallet.status, 200, JSON.stringify(wallet.body));
    assert.deepEqual(
      [wallet.body.balanceCents, wallet.body.approvedJobs, wallet.body.level, wallet.body.levelBps, wallet.body.settings, wallet.body.minimumWithdrawalCents],
      [13_333 + 20_000, 2, 1, 1_000, null, 100],
    );
    assert.deepEqual(wallet.body.nextRun, { runMonth: '2027-01', runDate: '2027-01-10', cutoffAt: '2026-12-31T22:59:59.000Z' });
    const commissions = await call('GET', '/me/affiliate/commissions', { token: affiliate.token });
    assert.deepEqual(
      commissions.body.items.map((i: { jobId: number; client: string; jobCents: number; jobStatus: string; amountCents: number }) => [i.jobId, i.client, i.jobCents, i.jobStatus, i.amountCents]),
      [
        [900_020, maskLogin(client.login), 200_000, 'approved', 20_000],
        [900_001, commissions.body.items[1].client, 133_333, 'approved', 13_333],
      ],
    );
    assert.ok(!JSON.stringify(commissions.body).includes(client.login), 'W-19: never the whole login');

    const withdraw = (amountCents: unknown) => call('POST', '/me/affiliate/withdrawals', { token: affiliate.token, body: { amountCents } });
    const noAddress = await withdraw(1_000);
    assert.equal(noAddress.status, 422);
    assert.match(noAddress.body.error.message, /set your PayPal address first/);
    assert.equal((await call('PUT', '/me/affiliate/payout-settings', { token: affiliate.token, body: { paypalEmail: 'not-an-email', autoPayout: false } })).status, 400);
    const set = await call('PUT', '/me/affiliate/payout-settings', { token: affiliate.token, body: { paypalEmail: 'Ada@Example.com', autoPayout: true } });
    assert.deepEqual([set.status, set.body], [200, { paypalEmail: 'ada@example.com', autoPayout: true }]);
    assert.equal((await withdraw(99)).status, 422, 'W-28: the minimum is $1');
    assert.equal((await withdraw(1.5)).status, 400);
    const tooMuch = await withdraw(33_334);
    assert.deepEqual([tooMuch.status, tooMuch.body.error.code], [422, 'insufficient_funds']);

    const held = await withdraw(33_000);
    assert.equal(held.status, 201, JSON.stringify(held.body));
    assert.deepEqual([held.body.status, held.body.amountCents, held.body.paypalEmail, held.body.runDate], ['held', 33_000, 'ada@example.com', '2027-01-10']);
    assert.equal((await withdraw(334)).status, 422, 'the held money cannot be withdrawn again');
    const after = await call('GET', '/me/affiliate/wallet', { token: affiliate.token });
    assert.equal(after.body.balanceCents, 333);
    const payouts = await call('GET', '/me/affiliate/payouts', { token: affiliate.token });
    assert.deepEqual(payouts.body.items.map((p: { id: number; status: string }) => [p.id, p.status]), [[held.body.id, 'held']]);
    await assertLedgerConsistent(database.db);

    const stranger = await signUp(call, 'affw_none');
    for (const path of ['/me/affiliate/wallet', '/me/affiliate/commissions', '/me/affiliate/payouts']) assert.equal((await call('GET', path, { token: stranger.token })).status, 404, path);
    assert.equal((await call('POST', '/me/affiliate/withdrawals', { token: stranger.token, body: { amountCents: 100 } })).status, 404);
  });

  it('shows every job the affiliate’s clients ordered, at any status, with its value and commission, logins in part and no titles; not the jobs of a client whose window passed unassigned (W-19, W-24, W-27)', async () => {
    const owner = await signUp(call, 'affjobs');
    assert.equal((await call('POST', '/me/affiliate', { token: owner.token, body: { firstName: 'Grace', lastName: 'Hopper', country: 'PL' } })).status, 201);
    const [assigned, pending, expired] = [await referredClient(database.db, owner.id, T0), await referredClient(database.db, owner.id, T0), await referredClient(database.db, owner.id, T0 - 120 * DAY)];
    const job = async (clientId: number, status: 'approved' | 'estimated' | 'open' | 'in_progress', orderedMs: number, priceCents: number | null, paidCents: number) => {
      const id = await insertJob(database.db, clientId, status);
      await database.db.sql`update jobs set ordered_at = ${new Date(orderedMs).toISOString()}::timestamptz, price_cents = ${priceCents}, paid_cents = ${paidCents} where id = ${id}`;
      return id;
    };
    const approved = await job(assigned.id, 'approved', T0 + DAY, 12_345, 12_345);
    assert.equal((await approveJob(database.db, { jobId: approved, clientId: assigned.id, paidCents: 12_345, atMs: T0 + 2 * DAY }))?.amountCents, 1_234);
    const estimated = await job(assigned.id, 'estimated', T0 + 3 * DAY, 6_000, 0);
    const open = await job(pending.id, 'open', T0 + 4 * DAY, null, 0);
    await job(expired.id, 'in_progress', T0 + 5 * DAY, 9_000, 9_000);
    const stranger = await insertConfirmedUser(database.db, `affjobs_stranger_${process.pid}`);
    await job(stranger.id, 'in_progress', T0 + 6 * DAY, 9_000, 9_000);

    const res = await call('GET', '/me/affiliate/jobs', { token: owner.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.items.map((i: { jobId: number; client: string; valueCents: number | null; status: string; commissionCents: number | null }) => [i.jobId, i.client, i.valueCents, i.status, i.commissionCents]),
      [
        [open, maskLogin(pending.login), null, 'open', null],
        [estimated, maskLogin(assigned.login), 6_000, 'estimated', null],
        [approved, maskLogin(assigned.login), 12_345, 'approved', 1_234],
      ],
    );
    const text = JSON.stringify(res.body);
    for (const secret of [assigned.login, pending.login, 'A matrix job']) assert.ok(!text.includes(secret), `W-19: not ${secret}`);
    const outsider = await signUp(call, 'affjobs_none');
    assert.equal((await call('GET', '/me/affiliate/jobs', { token: outsider.token })).status, 404);
  });
});
