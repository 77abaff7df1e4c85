/**
 * Standings on the time-skipping server (K-64, K-65): the real standing workflow and its
 * activities over a test database. An ignored order reaches the standing exactly as the order's
 * write sends it (signal-with-start, `violation`); staff act through the gateway (update-with-
 * start). The seller's offers leave search (`suspended`) while a block runs and come back by
 * themselves when its timer fires — checked on both sides of the 3-day boundary.
 *
 * The server's clock starts at the real now and only moves forward: each test measures from
 * where it finds the clock, with its own users.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pollUntil } from '../../scripts/poll.js';
import { createConversations } from '../../services/conversations.js';
import { createWorkflowGateway, type WorkflowGateway } from '../../services/workflow-gateway.js';
import { AppError } from '../../workflows/lib/errors.js';
import { DAY, MINUTE } from '../../workflows/lib/time.js';
import { ignoredOrderViolationId, standingWorkflowId, standingWorkflowType, violationSignal, type StandingPolicy, type ViolationReport } from '../../workflows/standing/messages.js';
import { standingPolicy } from '../../workflows/standing/policy.js';
import { startSearchAttributes } from '../../workflows/standing/search.js';
import { startTimeSkippingStack, type TestDatabase, type TimeSkippingStack } from '../support/harness.js';
import { insertOffer } from '../support/catalog.js';
import { createUsers } from '../support/ledger.js';

describe('standings on the time-skipping server', () => {
  let stack: TimeSkippingStack;
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let gateway: WorkflowGateway;
  let taskQueue: string;

  before(async () => {
    stack = await startTimeSkippingStack(import.meta.filename, 'standing');
    ({ env, database, taskQueue } = stack);
    gateway = createWorkflowGateway({ temporal: env.client, taskQueue });
  });
  after(() => stack?.stop());

  const db = () => database.db;
  let orderSerial = 0;

  /** What `recordOrderEvent` sends after writing an ignored order's closing record (activities/orders.ts). */
  async function ignoreOrder(sellerId: number, policy: StandingPolicy = standingPolicy()): Promise<void> {
    const orderId = ++orderSerial;
    const report: ViolationReport = { violationId: ignoredOrderViolationId(orderId), kind: 'ignored_order', reason: `order #${orderId} was not started within 24 hours`, orderId };
    await env.client.workflow.signalWithStart(standingWorkflowType, {
      workflowId: standingWorkflowId(sellerId),
      taskQueue,
      args: [{ userId: sellerId, policy }],
      signal: violationSignal,
      signalArgs: [report],
      typedSearchAttributes: startSearchAttributes(sellerId),
    });
  }
  async function standing(userId: number) {
    const [row] = await db().sql<{ offers_until: string | null; account_until: string | null; level: string; seq: number }[]>`
      select offers_blocked_until as offers_until, account_blocked_until as account_until, level, seq from standings where user_id = ${userId}`;
    // Timestamps come as text (drizzle turns off postgres.js's Date parser): as ms here.
    return row && { ...row, offers_until: row.offers_until === null ? null : Date.parse(row.offers_until), account_until: row.account_until === null ? null : Date.parse(row.account_until) };
  }
  async function offerStatus(offerId: number): Promise<string> {
    const [row] = await db().sql<{ status: string }[]>`select status from offers where id = ${offerId}`;
    return row!.status;
  }
  const offerIs = (offerId: number, status: string) => pollUntil(async () => ((await offerStatus(offerId)) === status ? true : undefined), { timeoutMs: 20_000, what: `offer ${offerId} ${status}` });
  /** Waits until the standing's row has been written `seq` times or more. */
  const written = (userId: number, seq: number) => pollUntil(async () => ((await standing(userId))?.seq ?? 0) >= seq ? standing(userId) : undefined, { timeoutMs: 20_000, what: `standing ${userId} write ${seq}` });
  async function sleepTo(atMs: number): Promise<void> {
    const current = await env.currentTimeMs();
    assert.ok(atMs > current, 'the clock only moves forward');
    await env.sleep(atMs - current);
  }
  async function notices(userId: number): Promise<string[]> {
    return (await db().sql<{ text: string }[]>`select text from notifications where user_id = ${userId} and dedupe_key like 'standing:%' order by id`).map((r) => r.text);
  }

  it('blocks the seller’s offers for 3 days after an ignored order: still blocked at 3 days − 1 minute, back by themselves at 3 days + 1 minute (K-64)', async () => {
    const [seller] = await createUsers(db(), 1);
    const offerId = await insertOffer(db(), seller!);
    const start = await env.currentTimeMs();
    await ignoreOrder(seller!);
    const row = await written(seller!, 1);
    assert.equal(row!.level, 'offers_blocked');
    assert.ok(Math.abs(row!.offers_until! - (start + 3 * DAY)) < MINUTE, 'blocked for 3 days');
    await offerIs(offerId, 'suspended');
    assert.match((await notices(seller!))[0]!, /Your offers are blocked until .*order #\d+ was not started within 24 hours/);

    await sleepTo(start + 3 * DAY - MINUTE);
    assert.equal((await gateway.standing.view(seller!)).sanction, 'offers_blocked');
    assert.equal(await offerStatus(offerId), 'suspended');

    await sleepTo(start + 3 * DAY + MINUTE);
    await offerIs(offerId, 'active');
    const lifted = await written(seller!, 2);
    assert.equal(lifted!.offers_until, null);
    assert.equal(lifted!.level, 'warned');
    assert.match((await notices(seller!)).at(-1)!, /Your offers are unblocked: the block has ended/);
  });

  it('doubles the block over three ignored orders: 3, 6, then 12 days (K-65)', async () => {
    const [seller] = await createUsers(db(), 1);
    const lengths: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const start = await env.currentTimeMs();
      await ignoreOrder(seller!);
      const row = await written(seller!, 2 * i - 1);
      lengths.push(Math.round((row!.offers_until! - start) / DAY));
      // Past the block's end: it lifts, and the next ignored order is a repeat within the window.
      await sleepTo(row!.offers_until! + MINUTE);
      await written(seller!, 2 * i);
    }
    assert.deepEqual(lengths, [3, 6, 12]);
    assert.deepEqual((await gateway.standing.view(seller!)).counts, { ignored_order: 3 });
  });

  it('counts one ignored order once, however often its write is retried', async () => {
    const [seller] = await createUsers(db(), 1);
    await ignoreOrder(seller!);
    orderSerial--; // the same order again, as a retried write sends it
    await ignoreOrder(seller!);
    await written(seller!, 1);
    const view = await gateway.standing.view(seller!);
    assert.deepEqual(view.counts, { ignored_order: 1 });
    assert.equal(view.history.length, 1);
  });

  it('staff block an account and lift it early; lifting it again is a conflict (K-65)', async () => {
    const [staffId, user] = await createUsers(db(), 2);
    const offerId = await insertOffer(db(), user!);
    const view = await gateway.standing.sanction(user!, { staffId: staffId!, kind: 'staff_account_block', days: 5, reason: 'gross violation' });
    assert.equal(view.sanction, 'account_blocked');
    assert.equal((await standing(user!))!.level, 'account_blocked');
    await offerIs(offerId, 'suspended');
    const lifted = await gateway.standing.lift(user!, { staffId: staffId!, block: 'account', reason: 'appeal granted' });
    assert.equal(lifted.accountBlock, null);
    assert.equal((await standing(user!))!.account_until, null);
    await offerIs(offerId, 'active');
    await assert.rejects(gateway.standing.lift(user!, { staffId: staffId!, block: 'account', reason: 'again' }), (err: unknown) => err instanceof AppError && err.code === 'conflict');
    await assert.rejects(
      gateway.standing.sanction(user!, { staffId: staffId!, kind: 'rudeness', days: 3, reason: 'rude' }),
      (err: unknown) => err instanceof AppError && err.code === 'invalid_input',
    );
  });

  it('an offer resumed or approved during a block lands suspended, and comes back with the others', async () => {
    const [staffId, seller] = await createUsers(db(), 2);
    const paused = await insertOffer(db(), seller!, { status: 'paused' });
    await gateway.standing.sanction(seller!, { staffId: staffId!, kind: 'staff_offers_block', days: 1, reason: 'rude to a buyer' });
    await db().sql`update offers set status = 'active' where id = ${paused}`;
    assert.equal(await offerStatus(paused), 'suspended');
    await gateway.standing.lift(seller!, { staffId: staffId!, block: 'offers', reason: 'mistake' });
    await offerIs(paused, 'active');
  });

  it('continues as new past its bound of events, keeping its blocks, counts and history', async () => {
    const [staffId, user] = await createUsers(db(), 2);
    const short = createWorkflowGateway({ temporal: env.client, taskQueue, standingPolicy: standingPolicy({ maxHistoryEvents: 40 }) });
    await short.standing.sanction(user!, { staffId: staffId!, kind: 'staff_offers_block', days: 10, reason: 'first' });
    const handle = env.client.workflow.getHandle(standingWorkflowId(user!));
    const firstRun = (await handle.describe()).runId;
    for (let i = 0; i < 8; i++) await short.standing.sanction(user!, { staffId: staffId!, kind: 'financial_terms', reason: `fees talk ${i}` });
    const next = await pollUntil(async () => {
      const d = await handle.describe();
      return d.runId !== firstRun ? d : undefined;
    }, { timeoutMs: 20_000, what: 'a new run' });
    assert.equal(next.status.name, 'RUNNING');
    const view = await short.standing.view(user!);
    assert.equal(view.counts.financial_terms, 8);
    assert.equal(view.offersBlock?.reason, 'first');
    assert.equal(view.history.length, 9);
    const after = await short.standing.sanction(user!, { staffId: staffId!, kind: 'financial_terms', reason: 'once more' });
    assert.equal(after.counts.financial_terms, 9);
    assert.equal((await written(user!, 10))!.seq, 10);
  });

  it('warns a seller who leaves a buyer’s direct message unanswered 48 h (not at 48 h − 1 minute); a reply in time ends the watch; a repeat within 30 days blocks the offers (K-63)', async () => {
    const [seller, buyerA, buyerB, buyerC] = await createUsers(db(), 4);
    const offerId = await insertOffer(db(), seller!);
    let serverNow = 0;
    const conversations = createConversations({ db: db(), clock: { now: () => new Date(serverNow) }, workflows: gateway });
    const as = (id: number) => ({ id, roles: [] });
    /** The buyer opens a direct conversation with the seller and writes, at the server's time. */
    async function write(from: number, to: number, conversationId?: number): Promise<number> {
      serverNow = await env.currentTimeMs();
      const id = conversationId ?? (await conversations.direct(as(from), to)).conversation.id;
      await conversations.send(as(from), id, { text: 'Hello, can you do a logo by Friday?' });
      return id;
    }
    const watch = (conversationId: number) => gateway.replyWatch.view(conversationId);

    const ignoredA = await write(buyerA!, seller!);
    const { waiting } = await watch(ignoredA);
    assert.equal(waiting?.sellerId, seller);
    const due = Date.parse(waiting!.dueAt);
    assert.equal(due - Date.parse(waiting!.since), 48 * 60 * MINUTE);
    // A second message of the buyer does not restart the 48 h.
    await sleepTo(Date.parse(waiting!.since) + 60 * MINUTE);
    await write(buyerA!, seller!, ignoredA);
    assert.equal((await watch(ignoredA)).waiting?.dueAt, waiting!.dueAt);

    // Buyer B is answered within the 48 h: that watch ends, and counts nothing.
    const answeredB = await write(buyerB!, seller!);
    await sleepTo(due - MINUTE);
    assert.equal((await watch(ignoredA)).outcome, null);
    assert.equal(await standing(seller!), undefined, 'no violation at 48 h − 1 minute');
    await write(seller!, buyerB!, answeredB);
    assert.equal((await watch(answeredB)).outcome, 'answered');

    await sleepTo(due + MINUTE);
    assert.equal((await written(seller!, 1))!.level, 'warned');
    assert.match((await notices(seller!))[0]!, /^Warning: a buyer’s message was left unanswered for 48 hours/);
    assert.equal(await offerStatus(offerId), 'active');

    // Buyer C, days later (within 30 days of the first): ignored again, the offers are blocked for 3 days.
    await sleepTo(due + 5 * DAY);
    const ignoredC = await write(buyerC!, seller!);
    await sleepTo(Date.parse((await watch(ignoredC)).waiting!.dueAt) + MINUTE);
    const blocked = await written(seller!, 2);
    assert.equal(blocked!.level, 'offers_blocked');
    const length = blocked!.offers_until! - Date.parse((await watch(ignoredC)).waiting!.dueAt);
    assert.ok(length >= 3 * DAY && length < 3 * DAY + MINUTE, `blocked for 3 days from the report, not ${length} ms`);
    await offerIs(offerId, 'suspended');
  });
});
