/**
 * `orderSkeleton`: baseline (a) of `npm run bench:orders` — the Temporal floor of an order's
 * lifecycle. Same shape as `orderWorkflow` on the place → start_work → deliver → accept path:
 * the same start (input, search attributes, summary, set by the caller), the handlers
 * registered before the first await, nothing to wait for before acting (the placement committed
 * the order before starting it: `OrderInput.committedBeforeStart`), one `act` Update per step
 * with a validator, one local activity per step, search
 * attributes upserted when the status or the next deadline changes, current details on every
 * change, and one timer that a step restarts only when it moves the deadline earlier (none of
 * these does). No database, no business rules, a small Update result. Never exported from
 * `workflows/index.ts`: only the benchmark's own worker bundles it.
 */
import {
  allHandlersFinished,
  condition,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import { DAY } from '../../workflows/lib/time.js';
import { SA } from '../../workflows/lib/search-attributes.js';
import { writeOptions } from '../../workflows/order/workflow.js';
import type { OrderInput } from '../../workflows/order/messages.js';
import type { SkeletonActivities } from './activities.js';
import { skeletonAct, skeletonView, type SkeletonAction, type SkeletonStatus, type SkeletonView } from './messages.js';

// The order workflow's own options for its writes.
const { recordOrderEvent } = proxyLocalActivities<SkeletonActivities>(writeOptions);
const steps: Record<SkeletonAction, { from: SkeletonStatus; to: SkeletonStatus }> = {
  start_work: { from: 'awaiting_start', to: 'in_progress' },
  deliver: { from: 'in_progress', to: 'in_review' },
  accept: { from: 'in_review', to: 'completed' },
};

export async function orderSkeleton(input: OrderInput): Promise<SkeletonView> {
  // One object, not three lets: the compiler narrows a let the handlers assign to its first value.
  const state = { status: 'awaiting_start' as SkeletonStatus, seq: 0, changedAt: Date.parse(input.placedAt) };
  let writes: Promise<void> = Promise.resolve();
  let published = '';

  // The real order's deadlines on this path: 24 h to start, then the work and the review, 3 days each.
  const nextDeadline = (): number | null =>
    state.status === 'completed' ? null : state.changedAt + (state.status === 'awaiting_start' ? input.policy.startWithinMs : 3 * DAY);
  const view = (): SkeletonView => ({ orderId: input.orderId, status: state.status, seq: state.seq });

  function publish(): void {
    const next = nextDeadline();
    const key = `${state.status}|${next ?? ''}`;
    if (key !== published) {
      upsertSearchAttributes([
        { key: SA.status, value: state.status },
        { key: SA.buyerId, value: String(input.buyer.id) },
        { key: SA.sellerId, value: String(input.seller.id) },
        { key: SA.offerId, value: String(input.offer.offerId) },
        { key: SA.amountCents, value: input.totalCents },
        { key: SA.nextDeadline, value: next === null ? null : new Date(next) },
      ]);
      published = key;
    }
    setCurrentDetails(`Order ${input.orderId} · ${state.status}`);
  }

  const check = (type: SkeletonAction) => {
    if (steps[type]?.from !== state.status) throw ApplicationFailure.create({ type: 'conflict', message: `${type} is not allowed in ${state.status}`, nonRetryable: true });
  };

  setHandler(skeletonView, view);
  setHandler(
    skeletonAct,
    async ({ type }) => {
      check(type);
      state.status = steps[type].to;
      state.seq += 1;
      state.changedAt = Date.now();
      publish();
      const record = { orderId: input.orderId, seq: state.seq, status: state.status };
      const write = writes.then(() => recordOrderEvent(record));
      writes = write.catch(() => undefined);
      await write;
      return view();
    },
    { validator: ({ type }) => check(type) },
  );
  publish();

  while (state.status !== 'completed') {
    const dueAt = nextDeadline()!;
    const remaining = dueAt - Date.now();
    if (remaining > 0) {
      const earlier = () => {
        const soonest = nextDeadline();
        return soonest === null || soonest < dueAt;
      };
      if (await condition(earlier, remaining, { summary: `${state.status}: next deadline` })) continue;
    }
    // Nobody acts within a run of the benchmark: a fired timer only ends the skeleton.
    return view();
  }
  await writes;
  await condition(allHandlersFinished);
  return view();
}
