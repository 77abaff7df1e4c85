/**
 * The workflow bundle of the withdrawal tests: every gigflow workflow and the payout Schedule's
 * stand-in, which the time-skipping server needs (it has no Schedules).
 */
export * from '../../workflows/index.js';
export { payoutScheduleStandIn } from './schedule-stand-in.js';
