/**
 * Estimated jobs through the real API (issue 18, W-01…W-19), with gigflow's worker on the run's
 * dev server, one stack for the file: a signed-in client orders (a retry with the same
 * Idempotency-Key answers the same job), the experts' queue takes critical jobs first (W-02), a
 * non-expert cannot claim (403), an expert claims and estimates ($60/h, W-04), "Pay now" short of
 * money is 422 with the missing cents and a stale estimate 409, then it pays into escrow (W-08),
 * both talk in the job's conversation (W-09; a stranger gets 404), the expert delivers, the
 * client approves (W-12): the expert's share is credited, the invoice exists only now and only
 * the client downloads it (W-14, W-17); the review is given once (W-15); a closed job's
 * conversation takes messages only once resumed (W-16). An install from the catalog is paid at
 * once (W-06). Someone else's job is 404. Anonymous (W-01): the form creates the account (a
 * stand-in here) and the job waits for its activation, out of the queue; an email that has an
 * account is told to sign in first (409), nothing ordered.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { pollUntil } from '../../scripts/poll.js';
import { systemClock } from '../../services/clock.js';
import { createJobs, type Jobs } from '../../services/jobs.js';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { jobWorkflowId } from '../../workflows/job/messages.js';
import { jobPolicy } from '../../workflows/job/policy.js';
import { callerFor, signUp, type Caller, type TestUser } from '../support/api.js';
import { createAccounts } from '../../services/accounts.js';
import { buildApp, connectTemporal, createTestDatabase, startWorker, uniqueId, type TestDatabase } from '../support/harness.js';
import { assertLedgerConsistent } from '../support/ledger.js';
import { makeExpert } from '../support/jobs.js';
import { fund } from '../support/orders.js';

describe('estimated jobs', () => {
  let database: TestDatabase;
  let temporal: Client;
  let worker: { stop(): Promise<void> };
  /** The service the integrator's activation calls (W-01). */
  let jobs: Jobs;
  let call: Caller;
  let client: TestUser;
  let expert: TestUser;
  let stranger: TestUser;

  before(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(import.meta.filename), connectTemporal()]);
    const taskQueue = uniqueId('jobs');
    call = callerFor(buildApp({ db: database.db, temporal, taskQueue }));
    jobs = createJobs({ db: database.db, clock: systemClock, workflows: createWorkflowGateway({ temporal, taskQueue }) });
    worker = await startWorker(database.db, taskQueue);
    [client, expert, stranger] = await Promise.all([signUp(call, 'job_client'), signUp(call, 'job_expert'), signUp(call, 'job_stranger')]);
    await makeExpert(database.db, expert.id);
    const invoicing = await call('PUT', '/me/invoicing', { token: client.token, body: { firstName: 'Anna', lastName: 'Nowak', country: 'PL', company: null } });
    assert.equal(invoicing.status, 200, JSON.stringify(invoicing.body));
  });
  after(async () => {
    await worker?.stop();
    await database?.drop();
    await temporal?.connection.close();
  });

  const orderBody = { title: 'Fix my contact form', description: 'The contact form sends nothing since the last update.', siteUrl: 'https://bakery.example', urgency: 'normal', budgetCents: 20_000 };
  async function order(user: TestUser, body: Record<string, unknown>, key = randomUUID()) {
    return call('POST', '/jobs', { token: user.token, body, headers: { 'idempotency-key': key } });
  }
  const job = (user: TestUser, id: number) => call('GET', `/jobs/${id}`, { token: user.token });
  const post = (user: TestUser, path: string, body?: unknown) => call('POST', path, { token: user.token, body });
  const balance = async (user: TestUser) => (await call('GET', '/me/balance', { token: user.token })).body as { mainCents: number; escrowCents: number };

  it('runs a job from the order to the review: queue, claim, estimate, pay from the balance, talk, deliver, approve, invoice, review once, resume', async () => {
    const key = randomUUID();
    const first = await order(client, orderBody, key);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.status, 'open');
    const jobId: number = first.body.jobId;
    const retry = await order(client, orderBody, key);
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.body, { jobId, status: 'open', accountCreated: false, replayed: true });

    // W-02: a critical job ordered later comes first in the queue.
    const critical = await order(client, { ...orderBody, title: 'My shop is down', urgency: 'critical' });
    assert.equal(critical.status, 201);
    const queue = await call('GET', '/expert/queue', { token: expert.token });
    assert.deepEqual(
      queue.body.items.map((j: { id: number }) => j.id),
      [critical.body.jobId, jobId],
    );
    assert.equal('email' in queue.body.items[0].client, false, 'W-19: the username only');
    assert.equal((await call('GET', '/expert/queue', { token: stranger.token })).status, 403);

    // Someone else's job is 404 for a stranger; a non-expert cannot claim.
    assert.equal((await job(stranger, jobId)).status, 404);
    assert.equal((await post(stranger, `/jobs/${jobId}/claim`)).status, 403);
    const claimed = await post(expert, `/jobs/${jobId}/claim`);
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
    assert.equal(claimed.body.status, 'estimating');
    assert.equal(claimed.body.expert.id, expert.id);
    assert.equal(claimed.body.clientInvoicing.lastName, 'Nowak', 'W-19: the expert sees the client’s invoicing data');

    // W-04: 2.5 h × $60.
    const estimated = await post(expert, `/jobs/${jobId}/estimate`, { hours: 2.5, plan: 'Find the broken mailer, fix it, test.', fitsBudget: true });
    assert.equal(estimated.status, 200, JSON.stringify(estimated.body));
    assert.equal(estimated.body.status, 'estimated');
    const price = 2.5 * jobPolicy.hourlyRateCents;
    assert.equal(estimated.body.view.estimates[0].priceCents, price);

    // "Pay now": short of money → 422 with what is missing; a stale estimate → 409.
    await fund(database.db, client.id, 10_000);
    const short = await post(client, `/jobs/${jobId}/pay`, { estimateNumber: 1 });
    assert.equal(short.status, 422, JSON.stringify(short.body));
    assert.equal(short.body.error.code, 'insufficient_funds');
    assert.equal(short.body.error.details.missingCents, price - 10_000);
    assert.equal((await post(client, `/jobs/${jobId}/pay`, { estimateNumber: 2 })).status, 409);
    await fund(database.db, client.id, 40_000);
    const paid = await post(client, `/jobs/${jobId}/pay`, { estimateNumber: 1 });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal(paid.body.status, 'in_progress');
    assert.equal(paid.body.view.escrowCents, price);
    assert.equal((await balance(client)).mainCents, 50_000 - price);

    // W-09: the conversation, for the job's parties only.
    const conversation = await call('GET', `/jobs/${jobId}/conversation`, { token: client.token });
    assert.equal(conversation.status, 200);
    assert.equal((await call('GET', `/jobs/${jobId}/conversation`, { token: stranger.token })).status, 404);
    const talk = (user: TestUser, text: string) => post(user, `/conversations/${conversation.body.id}/messages`, { text });
    assert.equal((await talk(client, 'The form is on /contact.')).status, 201);
    assert.equal((await talk(expert, 'Found it: the SMTP password expired.')).status, 201);
    assert.equal((await talk(stranger, 'Hello?')).status, 404);

    const delivered = await post(expert, `/jobs/${jobId}/deliver`, { note: 'New SMTP credentials, tested with three messages.' });
    assert.equal(delivered.status, 200, JSON.stringify(delivered.body));
    assert.equal(delivered.body.status, 'delivered');
    assert.ok(delivered.body.view.autoApproveAt, 'W-13: the approval box shows the auto-approve date');

    // W-17: no invoice before the approval.
    assert.equal((await call('GET', '/me/jobs', { token: client.token })).body.open.find((j: { id: number }) => j.id === jobId).invoiceId, null);
    assert.equal((await database.db.sql`select id from invoices where job_id = ${jobId}`).length, 0);
    assert.equal((await post(client, `/jobs/${jobId}/review`, { stars: 5, comment: 'Early' })).status, 409);

    const expertBefore = (await balance(expert)).mainCents;
    const approved = await post(client, `/jobs/${jobId}/approve`);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.status, 'approved');
    const share = price - Math.round((price * jobPolicy.commissionBps) / 10_000);
    assert.equal((await pollUntil(async () => ((await balance(expert)).mainCents === expertBefore + share ? true : undefined), { what: 'the expert’s share' })), true);

    // W-16, W-17: Closed Jobs with the invoice; the client downloads it, the expert cannot.
    const closed = await pollUntil(async () => (await call('GET', '/me/jobs', { token: client.token })).body.closed.find((j: { id: number; invoiceId: number | null }) => j.id === jobId && j.invoiceId !== null), {
      what: 'the invoice in Closed Jobs',
    });
    const pdf = await call('GET', `/invoices/${closed.invoiceId}/pdf`, { token: client.token });
    assert.equal(pdf.status, 200);
    assert.equal((await call('GET', `/invoices/${closed.invoiceId}/pdf`, { token: expert.token })).status, 404);
    assert.equal((await job(expert, jobId)).body.invoiceId, null);

    // W-15: once.
    const reviewed = await post(client, `/jobs/${jobId}/review`, { stars: 5, comment: 'Fast and clear.' });
    assert.equal(reviewed.status, 200, JSON.stringify(reviewed.body));
    assert.deepEqual([reviewed.body.review.stars, reviewed.body.review.comment], [5, 'Fast and clear.']);
    assert.equal((await post(client, `/jobs/${jobId}/review`, { stars: 1, comment: 'Changed my mind' })).status, 409);

    // W-16: talk on a closed job only once resumed; the money stays as it was.
    const refused = await talk(client, 'One more question');
    assert.equal(refused.status, 409);
    const resumed = await post(client, `/jobs/${jobId}/resume-conversation`);
    assert.equal(resumed.status, 200);
    assert.ok(resumed.body.conversationResumedAt);
    assert.equal((await talk(client, 'One more question')).status, 201);
    assert.equal((await job(client, jobId)).body.status, 'approved');
    await assertLedgerConsistent(database.db);
  });

  it('lets staff decide a paid job’s cancellation through the API: 409 with nothing to decide, 422 for a refund not below what was paid or anything but a full refund before work started, then a partial refund (W-08, W-11)', async () => {
    const staffUser = await signUp(call, 'job_staff');
    await createAccounts({ db: database.db, clock: systemClock }).grantRole(staffUser.id, 'support');
    const decide = (id: number, body: object) => post(staffUser, `/staff/jobs/${id}/cancellation-decision`, body);
    const price = 2 * jobPolicy.hourlyRateCents;
    async function paidJob(): Promise<number> {
      const ordered = await order(client, { ...orderBody, budgetCents: null });
      assert.equal(ordered.status, 201, JSON.stringify(ordered.body));
      const id: number = ordered.body.jobId;
      assert.equal((await post(expert, `/jobs/${id}/claim`)).status, 200);
      assert.equal((await post(expert, `/jobs/${id}/estimate`, { hours: 2, plan: 'Fix the mailer and test it.' })).status, 200);
      await fund(database.db, client.id, price);
      const paid = await post(client, `/jobs/${id}/pay`, { estimateNumber: 1 });
      assert.equal(paid.status, 200, JSON.stringify(paid.body));
      return id;
    }

    // Before work started (no expert message since payment): only a full refund.
    const early = await paidJob();
    assert.equal((await decide(early, { decision: 'partial', refundCents: 1, reason: 'half' })).status, 409, 'nothing to decide yet');
    assert.equal((await decide(early, { decision: 'partial', refundCents: 100_000_000, reason: 'half' })).status, 409, 'whatever the amount');
    assert.equal((await post(client, `/jobs/${early}/cancel`, { reason: 'Not needed any more' })).status, 200);
    const notYet = await decide(early, { decision: 'none', reason: 'no' });
    assert.deepEqual([notYet.status, notYet.body.error.code], [422, 'rule_violation'], JSON.stringify(notYet.body));
    assert.equal((await decide(early, { decision: 'full', reason: 'Nothing was done' })).status, 200);

    // After work started: a partial refund below what was paid.
    const worked = await paidJob();
    const conversation = await call('GET', `/jobs/${worked}/conversation`, { token: expert.token });
    assert.equal((await post(expert, `/conversations/${conversation.body.id}/messages`, { text: 'Looking at it now.' })).status, 201);
    assert.equal((await post(client, `/jobs/${worked}/cancel`, { reason: 'Too slow' })).status, 200);
    const whole = await decide(worked, { decision: 'partial', refundCents: price, reason: 'all of it' });
    assert.deepEqual([whole.status, whole.body.error.code], [422, 'rule_violation'], JSON.stringify(whole.body));
    assert.match(whole.body.error.message, new RegExp(`^body.refundCents: a partial refund is less than the ${price} cents the client paid`));
    assert.deepEqual(whole.body.error.details.fields.map((f: { path: string }) => f.path), ['body.refundCents'], 'the field a rule refuses, named as a malformed one is');
    const before = await balance(client);
    const split = await decide(worked, { decision: 'partial', refundCents: price - 1, reason: 'almost nothing was done' });
    assert.equal(split.status, 200, JSON.stringify(split.body));
    await pollUntil(async () => ((await balance(client)).mainCents === before.mainCents + price - 1 ? true : undefined), { what: 'the partial refund on the client’s balance' });
    await assertLedgerConsistent(database.db);
  });

  it('pays an install from the catalog at once, without an estimate (W-06)', async () => {
    const installs = await call('GET', '/job-installs');
    assert.equal(installs.status, 200);
    const install = installs.body.items[0];
    const buyer = await signUp(call, 'job_installer');
    await fund(database.db, buyer.id, install.priceCents);
    assert.equal((await order(buyer, { ...orderBody, installId: install.id, title: null })).status, 422, 'an install has no budget');
    const ordered = await order(buyer, { installId: install.id, description: 'WordPress on my new hosting, please.', siteUrl: 'http://new.example', urgency: 'low' });
    assert.equal(ordered.status, 201, JSON.stringify(ordered.body));
    const paid = await post(buyer, `/jobs/${ordered.body.jobId}/pay`, { estimateNumber: 0 });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal(paid.body.title, install.name);
    assert.equal(paid.body.view.escrowCents, install.priceCents);
    // Paid, it enters the experts' queue (an unpaid install is not claimable).
    assert.ok((await call('GET', '/expert/queue', { token: expert.token })).body.items.some((j: { id: number }) => j.id === ordered.body.jobId));
    assert.equal((await balance(buyer)).mainCents, 0);
    assert.equal((await post(client, `/jobs/${ordered.body.jobId}/pay`, { estimateNumber: 0 })).status, 404, 'someone else’s job');
  });

  it('lets staff add an install, change its price for orders from then on, and retire it: no longer orderable, its jobs keep their price and still pay (W-06)', async () => {
    const support = await signUp(call, 'job_support');
    await createAccounts({ db: database.db, clock: systemClock }).grantRole(support.id, 'support');
    const staffCall = (method: string, path: string, body?: unknown) => call(method, path, { token: support.token, body });
    const added = await staffCall('POST', '/staff/job-installs', { name: `Staging site ${randomUUID().slice(0, 8)}`, description: 'A copy of your site to try changes on.', priceCents: 12_300 });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const installId: number = added.body.id;
    const catalog = async () => ((await call('GET', '/job-installs')).body.items as { id: number; priceCents: number }[]).find((i) => i.id === installId);
    assert.equal((await catalog())?.priceCents, 12_300);

    const buyer = await signUp(call, 'job_staging');
    await fund(database.db, buyer.id, 12_300);
    const ordered = await order(buyer, { installId, description: 'Staging for my shop, please.', siteUrl: null, urgency: 'normal' });
    assert.equal(ordered.status, 201, JSON.stringify(ordered.body));
    const jobId: number = ordered.body.jobId;

    for (const bad of [{}, { priceCents: 99 }, { priceCents: 12.5 }, { description: '' }, { active: 'no' }, { name: 'Renamed' }]) {
      assert.equal((await staffCall('PATCH', `/staff/job-installs/${installId}`, bad)).status, 400, JSON.stringify(bad));
    }
    assert.equal((await staffCall('PATCH', '/staff/job-installs/99999999', { active: false })).status, 404);
    assert.equal((await call('PATCH', `/staff/job-installs/${installId}`, { token: buyer.token, body: { priceCents: 100 } })).status, 403);
    const repriced = await staffCall('PATCH', `/staff/job-installs/${installId}`, { priceCents: 15_000, description: 'A copy of your site, refreshed nightly.' });
    assert.deepEqual([repriced.status, repriced.body.priceCents, repriced.body.description, repriced.body.active, repriced.body.jobs], [200, 15_000, 'A copy of your site, refreshed nightly.', true, 1]);
    assert.equal((await catalog())?.priceCents, 15_000, 'new orders pay the new price');

    const retired = await staffCall('PATCH', `/staff/job-installs/${installId}`, { active: false });
    assert.equal(retired.body.active, false);
    assert.equal(await catalog(), undefined, 'out of the public catalog');
    const refused = await order(buyer, { installId, description: 'Another staging, please.', siteUrl: null, urgency: 'normal' });
    assert.equal(refused.status, 404, JSON.stringify(refused.body));
    const listed = ((await staffCall('GET', '/staff/job-installs')).body.items as { id: number; active: boolean }[]).find((i) => i.id === installId);
    assert.equal(listed?.active, false, 'staff still see it');

    // The job ordered before keeps its install and the price it was ordered at, and still pays.
    const page = await job(buyer, jobId);
    assert.deepEqual([page.body.install.id, page.body.install.priceCents, page.body.priceCents], [installId, 12_300, 12_300]);
    const paid = await post(buyer, `/jobs/${jobId}/pay`, { estimateNumber: 0 });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal(paid.body.view.escrowCents, 12_300);
  });

  it('reads a job whose workflow the server does not have from its row: a closed job on its page and in Closed Jobs, an open one too, with no Update to offer (W-16)', async () => {
    const install = (await call('GET', '/job-installs')).body.items[0];
    const buyer = await signUp(call, 'job_forgotten');
    await fund(database.db, buyer.id, 2 * install.priceCents);
    const orderInstall = async () => (await order(buyer, { installId: install.id, description: 'WordPress on my new hosting, please.', siteUrl: null, urgency: 'low' })).body.jobId as number;
    const approvedId = await orderInstall();
    assert.equal((await post(buyer, `/jobs/${approvedId}/pay`, { estimateNumber: 0 })).status, 200);
    assert.equal((await post(expert, `/jobs/${approvedId}/claim`)).status, 200);
    assert.equal((await post(expert, `/jobs/${approvedId}/deliver`, { note: 'Installed.' })).status, 200);
    assert.equal((await post(buyer, `/jobs/${approvedId}/approve`)).status, 200);
    const openId = await orderInstall();
    const paid = await post(buyer, `/jobs/${openId}/pay`, { estimateNumber: 0 });
    assert.equal(paid.status, 200);

    // The dev server forgets a closed workflow after a day: the same rows under ids no workflow on the server has.
    const forgotten = async (id: number) => {
      const [copy] = await database.db.sql<{ id: string }[]>`
        insert into jobs (kind, client_id, expert_id, install_id, title, description, site_url, urgency, budget_cents, status, price_cents, paid_cents,
          ordered_at, first_answer_due_at, first_answered_at, auto_approve_at, approved_at, closed_at, view, event_seq, updated_at)
        select kind, client_id, expert_id, install_id, title, description, site_url, urgency, budget_cents, status, price_cents, paid_cents,
          ordered_at, first_answer_due_at, first_answered_at, auto_approve_at, approved_at, closed_at, view, event_seq, updated_at
        from jobs where id = ${id} returning id`;
      const copyId = Number(copy!.id);
      await database.db.sql`update jobs set view = jsonb_set(view, '{jobId}', to_jsonb(${copyId}::int8)) where id = ${copyId}`;
      await assert.rejects(temporal.workflow.getHandle(jobWorkflowId(copyId)).describe(), WorkflowNotFoundError);
      return copyId;
    };
    const [oldApproved, oldOpen] = [await forgotten(approvedId), await forgotten(openId)];

    const approved = await job(buyer, oldApproved);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const original = (await job(buyer, approvedId)).body;
    assert.deepEqual({ ...approved.body.view, jobId: approvedId }, original.view, 'the page reads as it did while the server had the workflow');
    assert.equal(approved.body.view.status, 'approved');
    assert.deepEqual(approved.body.allowedActions.sort(), ['resume', 'review']);
    const open = await job(buyer, oldOpen);
    assert.equal(open.status, 200, JSON.stringify(open.body));
    assert.deepEqual([open.body.status, open.body.view.status, open.body.view.escrowCents], [paid.body.status, paid.body.status, install.priceCents]);
    assert.deepEqual(open.body.allowedActions, ['message'], 'no workflow would take an Update');
    const mine = (await call('GET', '/me/jobs', { token: buyer.token })).body;
    const ids = (list: { id: number }[]) => list.map((j) => j.id).sort((a, b) => a - b);
    assert.deepEqual([ids(mine.open), ids(mine.closed)], [[openId, oldOpen], [approvedId, oldApproved]]);
  });

  it('orders with a new account when signed out: the job waits for the activation, out of the queue; a known email signs in first (W-01)', async () => {
    const email = `anonymous_${process.pid}@example.com`;
    const ordered = await call('POST', '/jobs', { body: { ...orderBody, email }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(ordered.status, 201, JSON.stringify(ordered.body));
    assert.deepEqual([ordered.body.status, ordered.body.accountCreated], ['awaiting_verification', true]);
    const jobId: number = ordered.body.jobId;
    const queued = async () => (await call('GET', '/expert/queue', { token: expert.token })).body.items.some((j: { id: number }) => j.id === jobId);
    assert.equal(await queued(), false);
    // What the schema takes but the rules refuse (422, naming the field): no title when signed out and no install names one; an email from a signed-in client.
    const untitled = await call('POST', '/jobs', { body: { ...orderBody, title: null, email: `untitled_${process.pid}@example.com` }, headers: { 'idempotency-key': randomUUID() } });
    assert.deepEqual([untitled.status, untitled.body.error.details.fields[0].path], [422, 'body.title'], JSON.stringify(untitled.body));
    const signedIn = await order(client, { ...orderBody, email: client.email });
    assert.deepEqual([signedIn.status, signedIn.body.error.details.fields[0].path], [422, 'body.email'], JSON.stringify(signedIn.body));
    const known = await call('POST', '/jobs', { body: { ...orderBody, email: client.email }, headers: { 'idempotency-key': randomUUID() } });
    assert.equal(known.status, 409);
    assert.equal(known.body.error.code, 'email_taken');
    assert.equal((await database.db.sql`select 1 from jobs where client_id = ${client.id} and title = ${orderBody.title} and status = 'awaiting_verification'`).length, 0);

    // W-01: the one mail's link activates the account (password set, address verified); the
    // activation releases the waiting job into the queue.
    const [owner] = await database.db.sql<{ client_id: string }[]>`select client_id from jobs where id = ${jobId}`;
    assert.deepEqual(await jobs.jobsAwaitingActivation(Number(owner!.client_id)), [jobId]);
    const mail = (await call('GET', `/dev/outbox?to=${encodeURIComponent(email)}`)).body.items as { body: string }[];
    assert.equal(mail.length, 1, 'one activation mail');
    const token = /\/activate\?token=(\S+)/.exec(mail[0]!.body)?.[1];
    assert.ok(token, mail[0]!.body);
    const activated = await call('POST', '/auth/activate', { body: { token, password: 'a long enough password 1' } });
    assert.equal(activated.status, 200, JSON.stringify(activated.body));
    assert.equal(await pollUntil(async () => ((await queued()) ? true : undefined), { what: 'the activated job in the queue' }), true);
    assert.deepEqual(await jobs.jobsAwaitingActivation(Number(owner!.client_id)), []);
  });
});
