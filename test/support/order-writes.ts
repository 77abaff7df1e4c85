/**
 * Writing an order's transitions as its workflow does, outside a worker: the real
 * `recordOrderEvent`, called twice as a retried local activity would be.
 */
import { createOrderActivities, type ViolationReporter } from '../../activities/orders.js';
import type { Db } from '../../db/client.js';
import * as machine from '../../workflows/order/machine.js';
import type { OrderInput } from '../../workflows/order/messages.js';

/**
 * Writes `transition` of the order `input` at `now`, twice; answers the state after it.
 * `report` stands where the worker's client would tell the seller's standing of a violation.
 */
export async function recordTwice(db: Db, report: ViolationReporter, input: OrderInput, transition: machine.Transition, now: string): Promise<machine.OrderState> {
  const writes = createOrderActivities({ db, report });
  const record = {
    orderId: input.orderId,
    buyerId: input.buyer.id,
    sellerId: input.seller.id,
    commissionBps: input.policy.commissionBps,
    effects: transition.effects,
    view: { ...machine.viewOf(transition.state, 'staff', now), allowedActions: [] },
  };
  await writes.recordOrderEvent(record);
  await writes.recordOrderEvent(record);
  return transition.state;
}
