/** The start input of one order, for the pure machine's tests: placed on Monday 2 November 2026, 10:00 UTC, a $10 kwork, 3 days' work. */
import { DAY } from '../../workflows/lib/time.js';
import type { OrderInput, OrderPolicy } from '../../workflows/order/messages.js';
import { orderPolicy } from '../../workflows/order/policy.js';

export const PLACED_AT = '2026-11-02T10:00:00.000Z';

/** The order under `policy` (default: the policy new orders start with now). */
export function sampleOrderInput(policy: OrderPolicy = orderPolicy()): OrderInput {
  return {
    orderId: 1,
    buyer: { id: 1, login: 'bea' },
    seller: { id: 2, login: 'sam' },
    offer: { offerId: 9, title: 'Logo design', categoryId: 11, basePriceCents: 1_000, baseLeadTimeDays: 3, instructions: '', unitVolume: '' },
    line: { kind: 'basic', units: 1, options: [] },
    totalCents: 1_000,
    leadTimeMs: 3 * DAY,
    placedAt: PLACED_AT,
    requirements: null,
    policy,
  };
}
