/**
 * The skeleton order's wire contract, for `npm run bench:orders` only: the same message names
 * as the real order (`act` Update, `view` query) with a three-step action set.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export type SkeletonStatus = 'awaiting_start' | 'in_progress' | 'in_review' | 'completed';
export type SkeletonAction = 'start_work' | 'deliver' | 'accept';

export interface SkeletonView {
  orderId: number;
  status: SkeletonStatus;
  seq: number;
}

export const skeletonAct = defineUpdate<SkeletonView, [{ type: SkeletonAction }], 'act'>('act');
export const skeletonView = defineQuery<SkeletonView, [], 'view'>('view');
