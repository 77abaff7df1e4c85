/**
 * All I/O a workflow may ask for, built from injected dependencies. Each capability (ledger,
 * read models, notifications, payments…) gets its own `createXActivities(deps)` file; this
 * factory merges them into the one object the worker registers.
 */
import type { Db } from '../db/client.js';
import { createAttentionActivities } from './attention.js';
import { createLedgerActivities } from './ledger.js';
import { createModerationActivities } from './moderation.js';
import { createOrderActivities } from './orders.js';

export interface ActivityDeps {
  db: Db;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAttentionActivities(deps),
    ...createLedgerActivities(deps),
    ...createModerationActivities(deps),
    ...createOrderActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
