/**
 * Placing an order and writing its transitions as its workflow does, outside a worker: the real
 * placement (its workflow's start caught) and the real `recordOrderEvent`, called once or twice
 * as a retried local activity would be.
 */
import { createOrderActivities, type OrderEventRecord, type ViolationReporter } from '../../activities/orders.js';
import type { Db } from '../../db/client.js';
import { createLedger } from '../../db/ledger.js';
import { systemClock } from '../../services/clock.js';
import { createPlacement } from '../../services/placement.js';
import * as machine from '../../workflows/order/machine.js';
import type { ActArgs, OrderInput } from '../../workflows/order/messages.js';
import { orderPolicy } from '../../workflows/order/policy.js';
import type { QueuedStart } from '../../db/workflow-starts.js';

/** What the workflow's local activity writes for a transition to `state` at `now`, with staff's view (no allowed actions) as the row's. */
export function recordOf(input: OrderInput, state: machine.OrderState, effects: machine.Effects, now: string): OrderEventRecord {
  return {
    orderId: input.orderId,
    buyerId: input.buyer.id,
    sellerId: input.seller.id,
    commissionBps: input.policy.commissionBps,
    effects,
    view: { ...machine.viewOf(state, 'staff', now), allowedActions: [] },
  };
}

/** Places one unit of `offerId` for `buyer` under `key`; answers the input its workflow would have started with (the start is caught: the test plays the workflow). */
export async function placeWithoutWorkflow(db: Db, buyer: { id: number; login: string }, offerId: number, key: string): Promise<OrderInput> {
  let started: OrderInput | undefined;
  const catcher = { startQueued: async (q: QueuedStart) => void (q.process === 'order' && (started = q.input)) };
  const placement = createPlacement({ db, clock: systemClock, ledger: createLedger(db), workflows: catcher, rules: orderPolicy() });
  await placement.place({ ...buyer, emailConfirmed: true }, { offerId, units: 1, optionIds: [], packageTier: null, requirements: null }, key);
  return started!;
}

/** Started and delivered by its seller, each written once as the workflow would; answers the buyer's acceptance, not yet written. */
export async function deliveredThenAccepted(db: Db, input: OrderInput): Promise<OrderEventRecord> {
  const writes = createOrderActivities({ db, report: async () => {} });
  const step = (state: machine.OrderState, by: 'buyer' | 'seller', action: ActArgs['action']) => {
    const now = new Date().toISOString();
    const args: ActArgs = { actor: { role: by, userId: by === 'buyer' ? input.buyer.id : input.seller.id }, action };
    machine.assertCanAct(state, args, now);
    const transition = machine.act(state, args, now);
    return { transition, record: recordOf(input, transition.state, transition.effects, now) };
  };
  let state = machine.initialState(input);
  for (const [by, action] of [['seller', { type: 'start_work' }], ['seller', { type: 'deliver', text: 'Done, as asked.', links: [] }]] as const) {
    const { transition, record } = step(state, by, action as ActArgs['action']);
    await writes.recordOrderEvent(record);
    state = transition.state;
  }
  return step(state, 'buyer', { type: 'accept' }).record;
}

/**
 * Writes `transition` of the order `input` at `now`, twice; answers the state after it.
 * `report` stands where the worker's client would tell the seller's standing of a violation.
 */
export async function recordTwice(db: Db, report: ViolationReporter, input: OrderInput, transition: machine.Transition, now: string): Promise<machine.OrderState> {
  const writes = createOrderActivities({ db, report });
  const record = recordOf(input, transition.state, transition.effects, now);
  await writes.recordOrderEvent(record);
  await writes.recordOrderEvent(record);
  return transition.state;
}
