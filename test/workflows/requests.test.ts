/**
 * Service requests on the time-skipping server (K-44, K-45): the real request workflow and its
 * activities over a test database, driven through the API's service (`services/requests.ts`)
 * and gateway. The 24 h a request stays active count from the moderator's approval, not the
 * posting: checked on both sides of the boundary, a minute either way; subscribed sellers hear
 * of it when it goes live.
 *
 * The server's clock starts at the real now and only moves forward: each test measures from
 * where it finds the clock, with its own users.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pollUntil } from '../../scripts/poll.js';
import type { SessionUser } from '../../services/account-types.js';
import { systemClock } from '../../services/clock.js';
import { createRequests, type Requests } from '../../services/requests.js';
import { createWorkflowGateway, type WorkflowGateway } from '../../services/workflow-gateway.js';
import { HOUR, MINUTE } from '../../workflows/lib/time.js';
import { startTimeSkippingStack, uniqueId, type TestDatabase, type TimeSkippingStack } from '../support/harness.js';
import { insertConfirmedUser } from '../support/ledger.js';

const CATEGORY = 11;

describe('service requests on the time-skipping server', () => {
  let stack: TimeSkippingStack;
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let gateway: WorkflowGateway;
  let requests: Requests;

  before(async () => {
    stack = await startTimeSkippingStack(import.meta.filename, 'requests');
    ({ env, database } = stack);
    gateway = createWorkflowGateway({ temporal: env.client, taskQueue: stack.taskQueue });
    requests = createRequests({ db: database.db, clock: systemClock, workflows: gateway });
  });
  after(() => stack?.stop());

  const db = () => database.db;
  async function user(prefix: string, roles: SessionUser['roles'] = []): Promise<SessionUser> {
    const u = await insertConfirmedUser(db(), uniqueId(prefix).replace(/-/g, '_'));
    return { ...u, emailConfirmed: true, roles };
  }
  async function sleepTo(atMs: number): Promise<void> {
    const current = await env.currentTimeMs();
    assert.ok(atMs > current, 'the clock only moves forward');
    await env.sleep(atMs - current);
  }
  const statusOf = async (requestId: number) => (await gateway.request.view(requestId)).status;
  const rowStatus = (requestId: number, status: string) =>
    pollUntil(
      async () => {
        const [row] = await db().sql<{ status: string }[]>`select status from service_requests where id = ${requestId}`;
        return row?.status === status ? true : undefined;
      },
      { timeoutMs: 20_000, what: `request ${requestId} ${status}` },
    );
  const noticesOf = async (userId: number, kind: string) => (await db().sql<{ text: string }[]>`select text from notifications where user_id = ${userId} and kind = ${kind}`).map((r) => r.text);

  it('stays active until 24 h after the approval, not the posting: active at 24 h − 1 minute, expired at 24 h + 1 minute (K-44), and tells subscribed sellers when it goes live (K-45)', async () => {
    const [buyer, moderator, subscriber] = [await user('rq_buyer'), await user('rq_mod', ['moderator']), await user('rq_sub')];
    await db().sql`insert into seller_request_categories (user_id, category_id) values (${subscriber.id}, ${CATEGORY})`;
    const posted = await requests.post(buyer, { title: 'A logo for a bakery', description: 'Three sketches, one final logo, vector files.', categoryId: CATEGORY, budgetCents: 5_000 });
    assert.equal(posted.status, 'awaiting_moderation');
    // Moderation takes its time: the 24 h have not started.
    await env.sleep(30 * HOUR);
    assert.equal(await statusOf(posted.id), 'awaiting_moderation');

    const approved = await requests.moderate(moderator, posted.id, { decision: 'approve' });
    assert.equal(approved.status, 'active');
    const approvedAt = Date.parse(approved.approvedAt!);
    assert.equal(Date.parse(approved.activeUntil!), approvedAt + 24 * HOUR);
    assert.equal((await noticesOf(subscriber.id, 'new_request')).length, 1, 'the subscribed seller is told once');
    assert.deepEqual(await noticesOf(buyer.id, 'new_request'), []);

    await sleepTo(approvedAt + 24 * HOUR - MINUTE);
    assert.equal(await statusOf(posted.id), 'active');
    await sleepTo(approvedAt + 24 * HOUR + MINUTE);
    await rowStatus(posted.id, 'expired');
    const expired = await requests.get(buyer, posted.id);
    assert.equal(expired.status, 'expired');
    assert.deepEqual(expired.allowedActions, []);
    assert.equal((await noticesOf(buyer.id, 'request_expired')).length, 1);
  });

  it('a rejected request never goes live: the buyer reads the reason, and nobody can answer it', async () => {
    const [buyer, moderator, seller] = [await user('rq_buyer'), await user('rq_mod', ['admin']), await user('rq_seller')];
    const posted = await requests.post(buyer, { title: 'Write my exam for me', description: 'Someone should sit my exam on Friday.', categoryId: CATEGORY, budgetCents: null });
    const rejected = await requests.moderate(moderator, posted.id, { decision: 'reject', reason: 'Academic dishonesty is not allowed' });
    assert.equal(rejected.status, 'rejected');
    assert.equal(rejected.statusReason, 'Academic dishonesty is not allowed');
    assert.match((await noticesOf(buyer.id, 'request_rejected'))[0]!, /Academic dishonesty is not allowed/);
    await assert.rejects(requests.get(seller, posted.id), { code: 'not_found' });
    await assert.rejects(requests.moderate(moderator, posted.id, { decision: 'approve' }), { code: 'conflict' });
  });
});
