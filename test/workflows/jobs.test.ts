/**
 * Estimated jobs on the time-skipping server (W-01…W-14, D-03, D-06): the real job workflow and
 * its activities over a test database. A whole job's money (client main → escrow → expert and
 * platform revenue) and its invoice; a cancellation refunded in full; and every timer on both
 * sides of its instant: W-02's first answer for a critical job (2 business hours), W-01's
 * verification and W-07's estimate expiring, W-13's auto-approval across a weekend, a fixed-date
 * holiday and Easter Monday, $400.00 counting 3 business days and $400.01 counting 5, a client
 * message on business day 4 restarting the count, and the reminder one business day before; and
 * W-23…W-25's affiliate commission at the auto-approval instant, the attribution window's end
 * ± 1 minute through a real job, and a second job of the same client earning again.
 *
 * The server's clock starts at the real now and only moves forward: the tests run in the order
 * of the instants they need, each finding its day (the next Friday, holiday, Easter Monday…) from
 * where the clock is, with its own users.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLedger } from '../../db/ledger.js';
import { systemClock } from '../../services/clock.js';
import { createInvoicing } from '../../services/invoicing.js';
import { businessCalendar } from '../../payments/business-calendar.js';
import { pollUntil } from '../../scripts/poll.js';
import { jobPolicy } from '../../workflows/job/policy.js';
import { addBusinessDays, addBusinessHours, autoApproveAt, reminderAt, type BusinessCalendar } from '../../workflows/lib/business-days.js';
import { HOUR, iso, MINUTE, msOf } from '../../workflows/lib/time.js';
import { addDays, civilDateOf, zonedInstant, type CivilDate } from '../../workflows/lib/zoned-time.js';
import { attributionExpiresAt, commissionFor } from '../../workflows/lib/affiliate.js';
import { addUtcMonths } from '../../workflows/lib/time.js';
import { makeAffiliate, referExisting } from '../support/affiliates.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { actions, ended, insertInstall, invoicingData, orderJob, person, rowStatus, type JobWorld } from '../support/job-scenarios.js';
import { startTimeSkippingStack, type TimeSkippingStack } from '../support/harness.js';
import { fund } from '../support/orders.js';

const ZONE = jobPolicy.calendar.zone;
const SECOND = 1_000;
const weekday = (d: CivilDate) => new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
/** An Update refused with `code` (its failure's cause, as the gateway maps it). */
const refusedWith = (code: string) => (err: Error & { cause?: { type?: string } }) => {
  assert.equal(err.cause?.type, code, String(err.cause));
  return true;
};
const key = (d: CivilDate) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

describe('estimated jobs on the time-skipping server', () => {
  let stack: TimeSkippingStack;
  let env: TestWorkflowEnvironment;
  let world: JobWorld;
  let calendar: BusinessCalendar;

  before(async () => {
    stack = await startTimeSkippingStack(import.meta.filename, 'jobs');
    env = stack.env;
    world = { db: stack.database.db, temporal: env.client, taskQueue: stack.taskQueue };
    const year = new Date(await env.currentTimeMs()).getUTCFullYear();
    calendar = businessCalendar(jobPolicy.calendar, year, year + 2);
  });
  after(() => stack?.stop());

  const db = () => world.db;
  const ledger = () => createLedger(db());
  const nowMs = () => env.currentTimeMs();
  async function sleepTo(atMs: number): Promise<void> {
    const current = await nowMs();
    assert.ok(atMs > current, `the clock only moves forward: ${iso(atMs)} is before ${iso(current)}`);
    await env.sleep(atMs - current);
  }
  const isHoliday = (d: CivilDate) => calendar.holidays.includes(key(d));
  const isBusinessDay = (d: CivilDate) => weekday(d) !== 0 && weekday(d) !== 6 && !isHoliday(d);
  /** The first day after the clock's day (in Warsaw) that `test` accepts. */
  async function nextDay(test: (d: CivilDate) => boolean): Promise<CivilDate> {
    let d = addDays(civilDateOf(await nowMs(), ZONE), 1);
    for (let left = 3 * 366; !test(d); left--) {
      assert.ok(left > 0, 'no such day within three years of the clock');
      d = addDays(d, 1);
    }
    return d;
  }
  const at = (d: CivilDate, hour: number) => zonedInstant(d, hour * HOUR, ZONE);
  const noticesAbout = async (kind: string, jobId: number, userId?: number) =>
    (await db().sql<{ text: string }[]>`select text from notifications where kind = ${kind} and text ilike ${`%job #${jobId} %`} and (${userId ?? null}::int8 is null or user_id = ${userId ?? null})`).length;

  /** A client with $1,000.00 and invoicing data, an expert, and a paid install of `priceCents` delivered at the clock's now. */
  async function deliveredInstall(priceCents: number) {
    const [client, expert] = [await person(db(), 'client'), await person(db(), 'expert', ['expert'])];
    await fund(db(), client.id, 100_000);
    await invoicingData(db(), client.id);
    const install = await insertInstall(db(), priceCents);
    const { jobId, handle } = await orderJob(world, { clientId: client.id, login: client.login, install }, await nowMs());
    const a = actions(handle);
    await a.pay(client.id, 0);
    await a.claim(expert.id);
    const view = await a.deliver(expert.id);
    return { client, expert, jobId, a, view };
  }
  /** Not approved a second before `deadline`, approved automatically at it. */
  async function approvedExactlyAt(job: Awaited<ReturnType<typeof deliveredInstall>>, deadline: string): Promise<void> {
    await sleepTo(msOf(deadline) - SECOND);
    assert.equal((await job.a.view()).status, 'delivered', `still delivered a second before ${deadline}`);
    await sleepTo(msOf(deadline));
    await rowStatus(db(), job.jobId, 'approved');
    const view = await job.a.view().catch(() => null);
    const [row] = await db().sql<{ view: { approvedBy: string; approvedAt: string } }[]>`select view from jobs where id = ${job.jobId}`;
    const late = msOf(row!.view.approvedAt) - msOf(deadline);
    assert.ok(late >= 0 && late < MINUTE, `approved at ${row!.view.approvedAt}, deadline ${deadline}`);
    assert.equal(row!.view.approvedBy, 'auto');
    if (view) assert.equal(view.status, 'approved');
  }

  it('runs a whole job: paid from the main balance into escrow, released to the expert less 20 % at approval, invoiced with a number (W-04, W-08, W-12, W-14)', async () => {
    const [client, expert, poor] = [await person(db(), 'client'), await person(db(), 'expert', ['expert']), await person(db(), 'poor')];
    await fund(db(), client.id, 20_000);
    await invoicingData(db(), client.id);
    const { jobId, handle } = await orderJob(world, { clientId: client.id, login: client.login, urgency: 'high' }, await nowMs());
    const a = actions(handle);
    await a.claim(expert.id);
    const estimated = await a.estimate(expert.id, 8);
    assert.equal(estimated.estimates[0]!.priceCents, 12_000, '2 h × $60');
    await assert.rejects(a.pay(poor.id, 1), refusedWith('not_found'));
    const paid = await a.pay(client.id, 1);
    assert.equal(paid.status, 'in_progress');
    assert.deepEqual(await ledger().balances(client.id), { main: 8_000, bonus: 0, escrow: 12_000 });
    await a.message('expert', expert.id, 1, iso(await nowMs()));
    await a.deliver(expert.id);
    const approved = await a.approve(client.id);
    assert.equal(approved.status, 'approved');
    await ended(handle);
    assert.deepEqual(await ledger().balances(client.id), { main: 8_000, bonus: 0, escrow: 0 });
    assert.equal((await ledger().balances(expert.id)).main, 9_600);
    const release = await ledger().transactionByKey(`job:${jobId}:release`);
    assert.deepEqual(release!.postings.map((p) => [p.accountKey, p.amount]).sort(), [
      [`job:${jobId}:escrow`, -12_000],
      ['platform:revenue', 2_400],
      [`user:${expert.id}:main`, 9_600],
    ].sort());
    assert.ok(await ledger().transactionByKey(`job:${jobId}:hold:1`));
    const [invoice] = await db().sql<{ number: string; total_cents: number }[]>`select number, total_cents from invoices where job_id = ${jobId}`;
    assert.match(invoice!.number, /\d/);
    assert.equal(Number(invoice!.total_cents), 12_000);
    const [row] = await db().sql<{ status: string; expert_id: string; paid_cents: number; event_seq: number }[]>`select status, expert_id, paid_cents, event_seq from jobs where id = ${jobId}`;
    assert.deepEqual([row!.status, Number(row!.expert_id), row!.paid_cents], ['approved', expert.id, 12_000]);
    const participants = await db().sql<{ user_id: string }[]>`select p.user_id from conversation_participants p join conversations c on c.id = p.conversation_id where c.job_id = ${jobId} order by p.user_id`;
    assert.deepEqual(participants.map((p) => Number(p.user_id)), [client.id, expert.id].sort((x, y) => x - y));
    assert.equal(await noticesAbout('job_approved', jobId, expert.id), 1);
  });

  it('refuses a payment the main balance cannot cover, naming the missing cents and changing nothing; a cancellation after payment is refunded in full by staff (W-08, W-11)', async () => {
    const [client, expert, admin] = [await person(db(), 'client'), await person(db(), 'expert', ['expert']), await person(db(), 'admin', ['admin'])];
    await fund(db(), client.id, 10_000);
    const { jobId, handle } = await orderJob(world, { clientId: client.id, login: client.login }, await nowMs());
    const a = actions(handle);
    await a.claim(expert.id);
    await a.estimate(expert.id, 8);
    await assert.rejects(a.pay(client.id, 1), (err: Error & { cause?: { type?: string; details?: unknown[] } }) => {
      assert.equal(err.cause?.type, 'insufficient_funds');
      assert.equal((err.cause?.details?.[0] as { missingCents: number }).missingCents, 2_000);
      return true;
    });
    assert.equal((await a.view()).status, 'estimated');
    await fund(db(), client.id, 2_000);
    await a.pay(client.id, 1);
    const asked = await a.cancel(client.id, 'Not needed any more');
    assert.equal(asked.status, 'cancellation_requested');
    assert.equal(asked.cancellation!.workStarted, false);
    assert.equal(await noticesAbout('job_cancellation_to_decide', jobId, admin.id), 1, 'staff are told');
    await assert.rejects(a.decide({ staffId: admin.id, decision: 'partial', refundCents: 6_000, reason: 'half' }), refusedWith('rule_violation'));
    const cancelled = await a.decide({ staffId: admin.id, decision: 'full', reason: 'Nothing was done yet' });
    assert.equal(cancelled.status, 'cancelled');
    await ended(handle);
    assert.deepEqual(await ledger().balances(client.id), { main: 12_000, bonus: 0, escrow: 0 });
    assert.equal((await ledger().transactionByKey(`job:${jobId}:refund`))!.postings.length, 2);
  });

  it('approves a job whose client has no invoicing data yet, and issues its invoice when the client saves the data (W-14, W-18)', async () => {
    const [client, expert] = [await person(db(), 'client'), await person(db(), 'expert', ['expert'])];
    await fund(db(), client.id, 6_000);
    const { jobId, handle } = await orderJob(world, { clientId: client.id, login: client.login }, await nowMs());
    const a = actions(handle);
    await a.claim(expert.id);
    await a.estimate(expert.id, 4);
    await a.pay(client.id, 1);
    assert.equal((await a.approve(client.id)).status, 'approved', 'the expert is paid: approval does not wait for the client’s data');
    await ended(handle);
    assert.equal((await ledger().balances(expert.id)).main, 4_800);
    const invoiceOf = async () => (await db().sql<{ number: string; total_cents: string }[]>`select number, total_cents from invoices where job_id = ${jobId}`)[0];
    assert.equal(await invoiceOf(), undefined, 'no invoice without first name, last name and country');
    await createInvoicing({ db: db(), clock: systemClock }).setProfile(client.id, { firstName: 'Jan', lastName: 'Kowalski', country: 'PL', company: null });
    const invoice = await invoiceOf();
    assert.ok(invoice, 'issued with the data');
    assert.equal(Number(invoice.total_cents), 6_000);
  });

  it('alerts staff when a critical job has no first answer 2 business hours after it entered the queue, not a second before (W-02)', async () => {
    const [client, admin] = [await person(db(), 'client'), await person(db(), 'admin', ['admin'])];
    const day = await nextDay(isBusinessDay);
    await sleepTo(at(day, 10));
    const { jobId, handle } = await orderJob(world, { clientId: client.id, login: client.login, urgency: 'critical' }, await nowMs());
    const view = await actions(handle).view();
    assert.equal(view.firstAnswerDueAt, addBusinessHours(view.orderedAt, 2, jobPolicy.businessHours, calendar));
    const due = msOf(view.firstAnswerDueAt!);
    assert.equal(due - msOf(view.orderedAt), 2 * HOUR, 'within the business day');
    await sleepTo(due - SECOND);
    assert.equal(await noticesAbout('job_first_answer_missed', jobId, admin.id), 0);
    await sleepTo(due);
    await pollUntil(async () => ((await noticesAbout('job_first_answer_missed', jobId, admin.id)) === 1 ? true : undefined), { timeoutMs: 20_000, what: 'the staff alert' });
    await actions(handle).cancel(client.id, 'Solved it myself');
  });

  it('expires a job whose new account is not activated within 7 days, and an estimate unpaid for 14 days (W-01, W-07)', async () => {
    const [client, expert] = [await person(db(), 'client'), await person(db(), 'expert', ['expert'])];
    const unverified = await orderJob(world, { clientId: client.id, login: client.login, clientVerified: false }, await nowMs());
    const estimate = await orderJob(world, { clientId: client.id, login: client.login }, await nowMs());
    const e = actions(estimate.handle);
    await e.claim(expert.id);
    const validUntil = msOf((await e.estimate(expert.id, 4)).estimates[0]!.validUntil);
    const verifyBy = msOf(unverified.input.orderedAt) + jobPolicy.verificationTimeoutMs;
    await sleepTo(verifyBy - SECOND);
    assert.equal((await actions(unverified.handle).view()).status, 'awaiting_verification');
    await sleepTo(verifyBy);
    await rowStatus(db(), unverified.jobId, 'expired');
    await sleepTo(validUntil - SECOND);
    assert.equal((await e.view()).status, 'estimated');
    await sleepTo(validUntil);
    await rowStatus(db(), estimate.jobId, 'expired');
    assert.equal(await noticesAbout('job_expired', estimate.jobId, client.id), 1);
  });

  it('approves a $400.00 job 3 business days after its Friday delivery, across the weekend, reminding the client (by email too) one business day before (W-13, D-06)', async () => {
    const friday = await nextDay((d) => weekday(d) === 5 && [0, 3, 4, 5].every((n) => isBusinessDay(addDays(d, n))));
    await sleepTo(at(friday, 12));
    const job = await deliveredInstall(40_000);
    const deadline = job.view.autoApproveAt!;
    assert.equal(deadline, autoApproveAt(job.view.deliveredAt!, 40_000, jobPolicy.autoApproval, calendar));
    assert.equal(key(civilDateOf(msOf(deadline), ZONE)), key(addDays(friday, 5)), 'Wednesday: Saturday and Sunday do not count');
    const remindAt = job.view.remindAt!;
    assert.equal(remindAt, reminderAt(job.view.deliveredAt!, 40_000, jobPolicy.autoApproval, calendar));
    assert.equal(key(civilDateOf(msOf(remindAt), ZONE)), key(addDays(friday, 4)), 'Tuesday');
    await sleepTo(msOf(remindAt) - SECOND);
    assert.equal(await noticesAbout('job_approval_reminder', job.jobId, job.client.id), 0);
    await sleepTo(msOf(remindAt));
    await pollUntil(async () => ((await noticesAbout('job_approval_reminder', job.jobId, job.client.id)) === 1 ? true : undefined), { timeoutMs: 20_000, what: 'the reminder' });
    const [mail] = await db().sql<{ n: number }[]>`select count(*)::int as n from outbox where kind = 'job_approval_reminder' and to_address = ${`${job.client.login}@example.com`}`;
    assert.equal(mail!.n, 1, 'the reminder is emailed by default');
    await approvedExactlyAt(job, deadline);
    assert.equal((await ledger().balances(job.expert.id)).main, 32_000, '$400.00 less 20 %');
  });

  it('gives a $400.01 job 5 business days, and a client message on business day 4 restarts the count; an expert message does not (W-13, D-03)', async () => {
    const day0 = await nextDay((d) => isBusinessDay(d));
    await sleepTo(at(day0, 12));
    const job = await deliveredInstall(40_001);
    const first = job.view.autoApproveAt!;
    assert.equal(first, addBusinessDays(job.view.deliveredAt!, 5, calendar));
    const day4 = addBusinessDays(job.view.deliveredAt!, 4, calendar);
    await sleepTo(msOf(day4));
    await job.a.message('expert', job.expert.id, 1, iso(await nowMs()));
    assert.equal((await job.a.view()).autoApproveAt, first, 'the expert’s message is not the client’s activity');
    const moved = await job.a.message('client', job.client.id, 2, iso(await nowMs()));
    assert.equal(moved.autoApproveAt, addBusinessDays(moved.lastClientActivityAt!, 5, calendar));
    assert.ok(msOf(moved.autoApproveAt!) > msOf(first));
    await sleepTo(msOf(first) + MINUTE);
    assert.equal((await job.a.view()).status, 'delivered', 'not approved at the first count’s end');
    await approvedExactlyAt(job, moved.autoApproveAt!);
  });

  it('skips a fixed-date public holiday in the count (D-06)', async () => {
    const fixed = new Set(['01-01', '01-06', '05-01', '05-03', '08-15', '11-01', '11-11', '12-25', '12-26']);
    // A fixed-date holiday on Tuesday to Friday, after a business day, in a week with no other holiday.
    const holiday = await nextDay((d) => isHoliday(d) && fixed.has(key(d).slice(5)) && weekday(d) >= 2 && weekday(d) <= 5 && isBusinessDay(addDays(d, -1)) && [1, 2, 3].every((n) => !isHoliday(addDays(d, n))));
    const before = addDays(holiday, -1);
    await sleepTo(at(before, 12));
    const job = await deliveredInstall(40_000);
    const deadline = job.view.autoApproveAt!;
    const withoutHolidays = autoApproveAt(job.view.deliveredAt!, 40_000, jobPolicy.autoApproval, { ...calendar, holidays: [] });
    assert.ok(msOf(deadline) > msOf(withoutHolidays), `the holiday ${key(holiday)} does not count: ${deadline} rather than ${withoutHolidays}`);
    await approvedExactlyAt(job, deadline);
  });

  it('skips Easter Monday: a job delivered on the Friday before is approved on Thursday (D-06)', async () => {
    const easterMonday = await nextDay((d) => weekday(d) === 1 && d.month >= 3 && d.month <= 4 && isHoliday(d) && isHoliday(addDays(d, -1)));
    const friday = addDays(easterMonday, -3);
    await sleepTo(at(friday, 12));
    const job = await deliveredInstall(40_000);
    const deadline = job.view.autoApproveAt!;
    assert.equal(key(civilDateOf(msOf(deadline), ZONE)), key(addDays(easterMonday, 3)), `Thursday after Easter Monday ${key(easterMonday)}`);
    await approvedExactlyAt(job, deadline);
  });

  it('pays the affiliate commission once at the auto-approval instant, assigns by a job approved 1 minute before the window ends but not 1 minute after, and earns again on the client’s next job (W-23, W-24, W-25, D-07)', async () => {
    const affiliate = await person(db(), 'affiliate');
    await makeAffiliate(db(), affiliate.id);
    const wallet = () => ledger().accountBalance(`user:${affiliate.id}:affiliate`);
    const commissionsOf = async (jobId: number) => (await db().sql<{ amount_cents: number }[]>`select amount_cents from affiliate_commissions where job_id = ${jobId}`).map((r) => Number(r.amount_cents));
    // Days 1–20 only: the deadline stays in its month, so "3 months before it" is one instant (no month-end clamping).
    const day = await nextDay((d) => isBusinessDay(d) && d.day <= 20);
    await sleepTo(at(day, 12));
    const near = await deliveredInstall(12_345);
    await sleepTo(at(day, 13));
    const late = await deliveredInstall(40_000);
    /** W-23: a first visit at T such that T + 3 months is the job's deadline + `offsetMs`. */
    const visitFor = (deadline: string, offsetMs: number) => {
      const visitMs = addUtcMonths(msOf(deadline) + offsetMs, -3);
      assert.equal(attributionExpiresAt(visitMs), msOf(deadline) + offsetMs, 'the window ends where the test says');
      return visitMs;
    };
    await referExisting(db(), affiliate.id, near.client.id, visitFor(near.view.autoApproveAt!, MINUTE));
    await referExisting(db(), affiliate.id, late.client.id, visitFor(late.view.autoApproveAt!, -MINUTE));
    assert.ok(msOf(near.view.autoApproveAt!) < msOf(late.view.autoApproveAt!), 'delivered an hour apart, approved in that order');
    await approvedExactlyAt(near, near.view.autoApproveAt!);
    assert.equal(await wallet(), commissionFor(12_345, 1), 'in the wallet at the auto-approval instant');
    await approvedExactlyAt(late, late.view.autoApproveAt!);

    // T + 3 months − 1 minute: assigned, and the auto-approved job earns 10 % of $123.45 rounded down.
    const cut = commissionFor(12_345, 1);
    assert.equal(cut, 1_234);
    assert.deepEqual(await commissionsOf(near.jobId), [cut]);
    // T + 3 months + 1 minute: never assigned, nothing earned.
    assert.deepEqual(await commissionsOf(late.jobId), []);
    const states = await db().sql<{ client_id: string; assigned: boolean }[]>`select client_id, assigned_at is not null as assigned from affiliate_clients where affiliate_id = ${affiliate.id} order by client_id`;
    assert.deepEqual(Object.fromEntries(states.map((r) => [Number(r.client_id), r.assigned])), { [near.client.id]: true, [late.client.id]: false });
    assert.equal(await wallet(), cut);
    const posting = await ledger().transactionByKey(`affiliate:job-${near.jobId}:commission`);
    assert.deepEqual(posting!.postings.map((p) => [p.accountKey, p.amount]).sort(), [['platform:revenue', -cut], [`user:${affiliate.id}:affiliate`, cut]].sort());

    // W-24: every job of an assigned client, also one approved after the window has ended.
    const install = await insertInstall(db(), 20_001);
    const next = await orderJob(world, { clientId: near.client.id, login: near.client.login, install }, await nowMs());
    const a = actions(next.handle);
    await a.pay(near.client.id, 0);
    await a.claim(near.expert.id);
    await a.deliver(near.expert.id);
    await a.approve(near.client.id);
    await ended(next.handle);
    assert.deepEqual(await commissionsOf(next.jobId), [2_000], '10 % of $200.01, rounded down');
    assert.deepEqual(await commissionsOf(near.jobId), [cut], 'the first job earned once');
    assert.equal(await wallet(), cut + 2_000);
    await assertLedgerConsistent(db());
  });
});
