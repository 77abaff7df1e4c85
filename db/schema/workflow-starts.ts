import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { IndividualOfferInput } from '../../workflows/individual-offer/messages.js';
import type { JobInput } from '../../workflows/job/messages.js';
import type { ModerationInput } from '../../workflows/moderation/messages.js';
import type { OrderInput } from '../../workflows/order/messages.js';
import type { RequestInput } from '../../workflows/request/messages.js';
import type { WithdrawalInput } from '../../workflows/withdrawal/messages.js';

/** Each process a request begins, and its workflow's input. */
export interface StartInputs {
  order: OrderInput;
  job: JobInput;
  request: RequestInput;
  withdrawal: WithdrawalInput;
  individual_offer: IndividualOfferInput;
  moderation: ModerationInput;
}
export type StartProcess = keyof StartInputs;
export const startProcesses = ['order', 'job', 'request', 'withdrawal', 'individual_offer', 'moderation'] as const satisfies readonly StartProcess[];

/** One queued start: the process, the business id its workflow runs under, its input (a row of `workflow_starts`). */
export type QueuedStart = { [P in StartProcess]: { process: P; workflowId: string; input: StartInputs[P] } }[StartProcess];

/**
 * The workflows still to start: the outbox of every process a request begins (orders, jobs,
 * service requests, withdrawals, individual offers, moderation submissions). The request writes
 * its business rows and this row in one transaction and starts the workflow after the commit;
 * the row goes once Temporal has the workflow. A row left over (Temporal refused or could not be
 * reached, the API stopped between the commit and the start) is started by the client's retry
 * with the same Idempotency-Key or by a worker's sweep (`db/workflow-starts.ts`), so nothing a
 * request committed stays without its workflow. Issue 19 §2, §3: no request holds its
 * transaction, with the locks it took, across a call to Temporal.
 */
export const workflowStarts = pgTable('workflow_starts', {
  /** The business id the workflow runs under (`order-<id>`, `job-<id>`…). */
  workflowId: text('workflow_id').primaryKey(),
  process: text('process').$type<StartProcess>().notNull(),
  /** The workflow's input, exactly as the request built it. */
  input: jsonb('input').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});
