/**
 * Every workflow type the gigflow worker runs, and nothing else: this file is the entry of
 * the workflow bundle that executes in Temporal's deterministic sandbox.
 */
export { buyerStatusesWorkflow } from './buyer-statuses/workflow.js';
export { kworkModeration } from './moderation/workflow.js';
export { orderWorkflow } from './order/workflow.js';
export { payoutBatchWorkflow } from './payout-batch/workflow.js';
export { replyWatchWorkflow } from './reply-watch/workflow.js';
export { withdrawalWorkflow } from './withdrawal/workflow.js';
export { standingWorkflow } from './standing/workflow.js';
export { individualOfferWorkflow } from './individual-offer/workflow.js';
export { requestWorkflow } from './request/workflow.js';
export { jobWorkflow } from './job/workflow.js';
