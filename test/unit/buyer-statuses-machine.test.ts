/**
 * The daily re-evaluation of buyer statuses (K-35) as pure state: evaluating until the
 * activity answers, then done with who lost Super buyer; what the Temporal UI shows of it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as machine from '../../workflows/buyer-statuses/machine.js';
import { buyerStatusesPolicy } from '../../workflows/buyer-statuses/policy.js';
import { detailsOf, scheduleSummary, searchAttributesOf } from '../../workflows/buyer-statuses/search.js';

const AT = '2026-12-05T03:00:00.000Z';

describe('a day’s re-evaluation of buyer statuses', () => {
  it('evaluates at its scheduled time, then is done with who lost Super buyer', () => {
    const start = machine.initialState(AT);
    assert.deepEqual(machine.viewOf(start), { scheduledAt: AT, status: 'evaluating', result: null });
    const done = machine.evaluated(start, { evaluated: 3, lost: [7, 9] });
    assert.deepEqual(machine.viewOf(done), { scheduledAt: AT, status: 'done', result: { evaluated: 3, lost: [7, 9] } });
  });

  it('shows its status, time and outcome in the Temporal UI', () => {
    const done = machine.evaluated(machine.initialState(AT), { evaluated: 3, lost: [7, 9] });
    assert.deepEqual(
      searchAttributesOf(done).map((p) => [p.key.name, p.value instanceof Date ? p.value.toISOString() : p.value]),
      [['GigflowStatus', 'done'], ['GigflowBatchAt', AT]],
    );
    assert.equal(detailsOf(done), `**Buyer statuses at ${AT} · done**\n- 3 Super buyer(s) re-evaluated; 2 lost the status (7, 9)`);
    assert.equal(scheduleSummary(buyerStatusesPolicy()), 'Buyer statuses daily 03:00 UTC');
  });
});
