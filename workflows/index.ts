/**
 * Every workflow type the gigflow worker runs, and nothing else: this file is the entry of
 * the workflow bundle that executes in Temporal's deterministic sandbox.
 * (The service request and withdrawal workflows land here with their issues.)
 */
export { kworkModeration } from './moderation/workflow.js';
export { orderWorkflow } from './order/workflow.js';
