/**
 * `orderWorkflow`: one order, from placement (its money already in escrow) to completion or
 * cancellation. Wiring only; the rules are in `machine.ts`.
 *
 * Every party's action is the `act` Update: its validator refuses what the state does not
 * allow before anything is written, so the API answers 409 at once. An accepted action
 * changes the state before the handler's first await (a second action sees it), then its
 * effects — money, the read-model row, notifications — are written one transition at a time,
 * in order, by a single local activity; the Update answers once they are written.
 *
 * Cutting state transitions: the writes are local activities (a marker in the history, no
 * activity task round trip), search attributes are upserted only when the status or the next
 * deadline changes, and one timer runs at a time: it is restarted only when a deadline moves
 * earlier; when one moves later, the timer fires, finds nothing due and sleeps again.
 */
import {
  allHandlersFinished,
  condition,
  proxyLocalActivities,
  type LocalActivityOptions,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { OrderActivities } from '../../activities/orders.js';
import * as machine from './machine.js';
import { actUpdate, viewQuery, type OrderInput, type OrderView } from './messages.js';
import { detailsOf, searchAttributesOf, searchKey } from './search.js';

/**
 * The writes are idempotent (ledger keys, the row's event number), so they are retried until
 * the database answers; a caller waiting on the Update waits that long too.
 */
export const writeOptions: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};
const { loadOrder, recordOrderEvent } = proxyLocalActivities<OrderActivities>(writeOptions);

/** Workflow time (deterministic), as an ISO string. */
const now = () => new Date().toISOString();

export async function orderWorkflow(input: OrderInput): Promise<OrderView> {
  let state = machine.initialState(input);
  // Until `loadOrder` answers, actions wait: the placement may yet roll back.
  let loaded = false;
  // The writes, one after another in transition order.
  let writes: Promise<void> = Promise.resolve();
  // The placement started us with these search attributes: upserting them again would cost an
  // event and a visibility write for nothing.
  let published = searchKey(state);

  /** Keeps the search attributes (when they change) and the UI's current details in step with the state. */
  function publish(): void {
    const key = searchKey(state);
    if (key !== published) {
      upsertSearchAttributes(searchAttributesOf(state));
      published = key;
    }
    setCurrentDetails(detailsOf(state));
  }

  /** Makes a transition the state at once, and queues its effects; resolves once they are written. */
  function apply(transition: machine.Transition): Promise<void> {
    state = transition.state;
    publish();
    const row = machine.viewOf(state, 'staff', now());
    const { effects } = transition;
    const write = writes.then(() =>
      recordOrderEvent({
        orderId: input.orderId,
        buyerId: input.buyer.id,
        sellerId: input.seller.id,
        commissionBps: input.policy.commissionBps,
        effects,
        view: { ...row, allowedActions: [] },
      }),
    );
    // A failed write (a bug: writes retry until the database answers) fails its own Update, not the next.
    writes = write.catch(() => undefined);
    return write;
  }

  // Handlers before the first await, so an action or query arriving with the start is served.
  setHandler(viewQuery, (viewer) => machine.viewOf(state, viewer, now()));
  setHandler(
    actUpdate,
    async (args) => {
      if (!loaded) {
        await condition(() => loaded);
        // Again: the state may have moved while the order loaded.
        machine.assertCanAct(state, args, now());
      }
      await apply(machine.act(state, args, now()));
      return machine.viewOf(state, args.actor.role, now());
    },
    { validator: (args) => machine.assertCanAct(state, args, now()) },
  );
  publish();

  const { exists } = await loadOrder({ orderId: input.orderId });
  if (!exists) {
    state = machine.voided(state, now());
    publish();
    loaded = true;
    await condition(allHandlersFinished);
    return machine.viewOf(state, 'staff', now());
  }
  loaded = true;

  while (!machine.isFinal(state.status)) {
    const next = machine.nextDeadline(state);
    if (next === null) {
      await condition(() => machine.isFinal(state.status) || machine.nextDeadline(state) !== null);
      continue;
    }
    const dueAt = Date.parse(next.at);
    const remaining = dueAt - Date.now();
    if (remaining > 0) {
      const earlier = () => {
        const soonest = machine.nextDeadline(state);
        return machine.isFinal(state.status) || (soonest !== null && Date.parse(soonest.at) < dueAt);
      };
      if (await condition(earlier, remaining, { summary: `${next.kind}: ${next.outcome}` })) continue;
    }
    // The timer fired: whatever is due now (an action may have moved the deadline meanwhile).
    const due = machine.nextDeadline(state);
    if (due !== null && Date.parse(due.at) <= Date.now()) await apply(machine.onDeadline(state, due, now()));
  }

  await writes;
  await condition(allHandlersFinished);
  return machine.viewOf(state, 'staff', now());
}
