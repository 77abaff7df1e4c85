/**
 * `orderWorkflow`: one order, from placement (its money already in escrow) to completion or
 * cancellation. Wiring only (the template of `../lib/process.ts`); the rules are in
 * `machine.ts`, the numbers in the input's policy.
 *
 * Every party's action is the `act` Update (and every message in the order's conversation the
 * `message` Update, D-03): its validator refuses what the state does not
 * allow before anything is written, so the API answers 409 at once. An accepted action
 * changes the state before the handler's first await (a second action sees it), then its
 * effects — money, the read-model row, notifications — are written one transition at a time,
 * in order, by a single local activity; the Update answers once they are written.
 *
 * Cutting state transitions: the writes are local activities (a marker in the history, no
 * activity task round trip), search attributes are upserted only when the status or the next
 * deadline changes, and one timer runs at a time.
 */
import { allHandlersFinished, ApplicationFailure, condition, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { AttentionActivities } from '../../activities/attention.js';
import type { OrderActivities, OrderEventRecord } from '../../activities/orders.js';
import { idempotentWrites, now, Process, publisher, type Deadlines } from '../lib/process.js';
import * as machine from './machine.js';
import { actUpdate, messageUpdate, orderWorkflowId, viewQuery, type ActArgs, type MessageArgs, type PartyActArgs, type OrderInput, type OrderView, type PendingDeadline } from './messages.js';
import { inconsistencyOf } from './placement.js';
import { detailsOf, searchAttributesOf, searchKey } from './search.js';

/**
 * The writes are idempotent (ledger keys, the row's event number), so they are retried until
 * the database answers; a caller waiting on the Update waits that long too.
 */
export const writeOptions = idempotentWrites('10 seconds');
const { loadOrder, recordOrderEvent } = proxyLocalActivities<OrderActivities>(writeOptions);
const { flagAttention } = proxyLocalActivities<AttentionActivities>(writeOptions);

type OrderProcess = Process<machine.OrderState, machine.Effects, OrderEventRecord>;

const deadlines: Deadlines<machine.OrderState, PendingDeadline, machine.Effects> = {
  isFinal: (state) => machine.isFinal(state.status),
  nextDeadline: machine.nextDeadline,
  onDeadline: machine.onDeadline,
  timerSummary: (next) => `${next.kind}: ${next.outcome}`,
};

/** The order's state, how it is shown and written, and its handlers: everything before the first await. */
function setup(input: OrderInput): OrderProcess {
  const order: OrderProcess = new Process(machine.initialState(input), {
    // The placement started us with these search attributes: upserting them again would cost an
    // event and a visibility write for nothing.
    publish: publisher({ key: searchKey, attributes: searchAttributesOf, details: detailsOf }, searchKey(machine.initialState(input))),
    record: (state, effects) => ({
      orderId: input.orderId,
      buyerId: input.buyer.id,
      sellerId: input.seller.id,
      commissionBps: input.policy.commissionBps,
      effects,
      view: machine.viewOf(state, null, now()),
    }),
    write: (record) => recordOrderEvent(record),
    flag: (attention, resolved) => flagAttention({ workflowId: orderWorkflowId(input.orderId), process: 'order', entityId: input.orderId, attention, resolved }),
  });
  setHandler(viewQuery, (viewer) => machine.viewOf(order.state, viewer, now()));
  // A party's action names its side here (`sideOf`): histories from before it name it in the args.
  const check = (state: machine.OrderState, args: ActArgs | PartyActArgs) => machine.assertCanAct(state, machine.sideOf(state, args), now());
  setHandler(
    actUpdate,
    order.updateHandler(
      check,
      (state, args) => machine.act(state, machine.sideOf(state, args), now()),
      (state, args) => machine.viewOf(state, machine.sideOf(state, args).actor.role, now()),
    ),
    { validator: order.validator(check) },
  );
  // D-03: a party's message in the order's conversation (a handler no earlier history calls: replay is unchanged).
  const checkMessage = (state: machine.OrderState, args: MessageArgs) => machine.assertCanMessage(state, args, now());
  setHandler(
    messageUpdate,
    order.updateHandler(checkMessage, (state, args) => machine.messaged(state, args, now()), (state, args) => machine.viewOf(state, args.actor.role, now())),
    { validator: order.validator(checkMessage) },
  );
  order.handleAttention();
  order.set(order.state);
  return order;
}

export async function orderWorkflow(input: OrderInput): Promise<OrderView> {
  // A start that did not come from a placement cannot run an order the rules would not price so.
  const inconsistency = inconsistencyOf(input);
  if (inconsistency) throw ApplicationFailure.create({ type: 'invalid_input', message: `order ${input.orderId}: ${inconsistency}`, nonRetryable: true });
  const order = setup(input);
  // A placement that started us inside its transaction (before issue 19 §3): wait for it to end.
  const exists = input.committedBeforeStart || (await loadOrder({ orderId: input.orderId })).exists;
  if (!exists) {
    // The placement's transaction rolled back after starting us: no order, no money to move.
    order.set(machine.voided(order.state, now()));
    order.loaded = true;
    await condition(allHandlersFinished);
    return machine.viewOf(order.state, 'staff', now());
  }
  order.loaded = true;
  await order.untilFinal(deadlines);
  await order.finish();
  return machine.viewOf(order.state, 'staff', now());
}
