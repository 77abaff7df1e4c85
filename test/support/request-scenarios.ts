/**
 * The service request runs whose histories `npm run histories:capture -- request` records for
 * the replay test (`test/replay/histories.test.ts`), on a real worker under a policy of
 * seconds (the same rules, shorter): a request approved, answered and expired with no pick; one
 * whose first pick was short of money, then two answers picked (two orders placed through the
 * normal placement) after one answer was withdrawn and given again; one rejected by a moderator.
 */
import assert from 'node:assert/strict';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { SessionUser } from '../../services/account-types.js';
import { systemClock } from '../../services/clock.js';
import { createRequests } from '../../services/requests.js';
import { createWorkflowGateway } from '../../services/workflow-gateway.js';
import { requestWorkflowId } from '../../workflows/request/messages.js';
import { requestPolicy } from '../../workflows/request/policy.js';
import { insertOffer } from './catalog.js';
import { uniqueId } from './harness.js';
import { insertConfirmedUser } from './ledger.js';
import type { ScenarioEnv } from './order-scenarios.js';
import { fund } from './orders.js';

/** The fixtures, each `request-<name>.json`. */
export const requestScenarios = ['expired', 'picked', 'rejected'] as const;
export const requestHistoryFile = (name: (typeof requestScenarios)[number]) => `request-${name}.json`;

/** The history of the request's workflow, once it has ended. */
async function historyOf(env: ScenarioEnv, requestId: number): Promise<string> {
  const handle = env.temporal.workflow.getHandle(requestWorkflowId(requestId));
  await handle.result();
  return historyToJSON(await handle.fetchHistory());
}

/** Runs every scenario to its end, checks each ended as expected, and answers the histories by fixture file. */
export async function captureRequestHistories(env: ScenarioEnv): Promise<Map<string, string>> {
  const requests = createRequests({ db: env.db, clock: systemClock, workflows: createWorkflowGateway({ temporal: env.temporal, taskQueue: env.taskQueue }), rules: requestPolicy({ activeMs: 3_000 }) });
  const person = async (prefix: string, roles: SessionUser['roles'] = []): Promise<SessionUser> => ({
    ...(await insertConfirmedUser(env.db, uniqueId(prefix).replace(/-/g, '_'))),
    emailConfirmed: true,
    roles,
  });
  const [buyer, moderator, s1, s2] = [await person('buyer'), await person('mod', ['moderator']), await person('s1'), await person('s2')];
  const [o1, o2] = [await insertOffer(env.db, s1.id, { priceCents: 1_500 }), await insertOffer(env.db, s2.id, { priceCents: 2_500 })];
  const post = (title: string) => requests.post(buyer, { title, description: 'Three sketches, then one final logo.', categoryId: 11, budgetCents: 5_000 });

  const expiring = await post('A logo that nobody picks');
  await requests.moderate(moderator, expiring.id, { decision: 'approve' });
  await requests.answer(s1, expiring.id, { offerId: o1, comment: 'I can do it' });

  const picking = await post('A logo and a banner');
  await requests.moderate(moderator, picking.id, { decision: 'approve' });
  await requests.answer(s1, picking.id, { offerId: o1, comment: null });
  await requests.withdrawAnswer(s1, picking.id, 1);
  await requests.answer(s1, picking.id, { offerId: o1, comment: 'Again, with a comment' });
  await requests.answer(s2, picking.id, { offerId: o2, comment: null });
  await fund(env.db, buyer.id, 3_000);
  await assert.rejects(requests.pick(buyer, picking.id, [2, 3]), { code: 'insufficient_funds' });
  await fund(env.db, buyer.id, 1_000);
  const picked = await requests.pick(buyer, picking.id, [2, 3]);
  assert.equal(picked.status, 'picked');
  assert.equal(picked.answers.filter((a) => a.orderId !== null).length, 2);

  const rejecting = await post('A request a moderator rejects');
  await requests.moderate(moderator, rejecting.id, { decision: 'reject', reason: 'Not a service' });

  const histories = new Map([
    [requestHistoryFile('picked'), await historyOf(env, picking.id)],
    [requestHistoryFile('rejected'), await historyOf(env, rejecting.id)],
    [requestHistoryFile('expired'), await historyOf(env, expiring.id)],
  ]);
  assert.equal((await requests.get(buyer, expiring.id)).status, 'expired');
  return histories;
}
