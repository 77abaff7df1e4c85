/**
 * A workflow type's name is a wire contract: the API starts workflows by it (through the
 * gateway), the worker registers each exported workflow function under its own name. The two
 * must be the same, and the bundle's entry must export exactly the processes the gateway starts
 * (and the payout batch and the buyer statuses' daily run, which their Schedules start; the
 * standing, which the order's write starts too).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as bundleEntry from '../../workflows/index.js';
import { buyerStatusesWorkflowType } from '../../workflows/buyer-statuses/messages.js';
import { individualOfferWorkflowType } from '../../workflows/individual-offer/messages.js';
import { jobWorkflowType } from '../../workflows/job/messages.js';
import { moderationWorkflowType } from '../../workflows/moderation/messages.js';
import { orderWorkflowType } from '../../workflows/order/messages.js';
import { payoutBatchWorkflowType } from '../../workflows/payout-batch/messages.js';
import { replyWatchWorkflowType } from '../../workflows/reply-watch/messages.js';
import { requestWorkflowType } from '../../workflows/request/messages.js';
import { standingWorkflowType } from '../../workflows/standing/messages.js';
import { withdrawalWorkflowType } from '../../workflows/withdrawal/messages.js';

it('names every workflow type the gateway starts after the function the worker registers', () => {
  const registered = Object.values(bundleEntry).map((fn) => fn.name).sort();
  assert.deepEqual(registered, [buyerStatusesWorkflowType, individualOfferWorkflowType, jobWorkflowType, moderationWorkflowType, orderWorkflowType, payoutBatchWorkflowType, replyWatchWorkflowType, requestWorkflowType, standingWorkflowType, withdrawalWorkflowType].sort());
});
