/**
 * Estimated jobs (W-01…W-14) driven straight at their workflow, as the API's order form and
 * gateway will: the `jobs` row first, then `job-<id>` started with the policy and the business
 * calendar in its input, then the parties' Updates. Used by `test/workflows/jobs.test.ts` (time
 * skipping) and by `npm run histories:capture -- job` (the replay fixtures: approved by the
 * client, approved automatically, cancelled with a full refund).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Db } from '../../db/client.js';
import { businessCalendar } from '../../payments/business-calendar.js';
import { createActivities } from '../../activities/index.js';
import { workflowsPath } from '../../worker.js';
import { jobWorkflowId, jobWorkflowType, viewQuery, type JobInput, type JobView, type Urgency } from '../../workflows/job/messages.js';
import { jobPolicy, type JobPolicy } from '../../workflows/job/policy.js';
import { startSearchAttributes, summaryOf } from '../../workflows/job/search.js';
import type { jobWorkflow } from '../../workflows/job/workflow.js';
import { bundle, createTimeSkippingEnv, uniqueId } from './harness.js';
import { insertConfirmedUser } from './ledger.js';
import { fund } from './orders.js';
import { pollUntil } from '../../scripts/poll.js';
import * as u from '../../workflows/job/messages.js';

export interface JobWorld {
  db: Db;
  temporal: Client;
  taskQueue: string;
}

/** A confirmed user, optionally holding roles (`admin`, `support`, `expert`). */
export async function person(db: Db, prefix: string, roles: string[] = []): Promise<{ id: number; login: string }> {
  const user = await insertConfirmedUser(db, uniqueId(prefix).replace(/-/g, '_'));
  if (roles.length) await db.sql`update users set roles = ${roles}::text[] where id = ${user.id}`;
  return user;
}

/** W-18: the invoicing data a private client needs (first name, last name, country). */
export async function invoicingData(db: Db, userId: number): Promise<void> {
  await db.sql`insert into invoicing_profiles (user_id, first_name, last_name, country, updated_at) values (${userId}, 'Anna', 'Nowak', 'PL', now())`;
}

/** A catalog install (W-06) at `priceCents`. */
export async function insertInstall(db: Db, priceCents: number): Promise<{ installId: number; name: string; priceCents: number }> {
  const name = `Install at ${priceCents} cents ${uniqueId('i')}`;
  const [row] = await db.sql<{ id: string }[]>`insert into job_installs (name, description, price_cents) values (${name}, 'A test install', ${priceCents}) returning id`;
  return { installId: Number(row!.id), name, priceCents };
}

export interface OrderOptions {
  clientId: number;
  login: string;
  urgency?: Urgency;
  budgetCents?: number | null;
  install?: JobInput['install'];
  clientVerified?: boolean;
  policy?: JobPolicy;
}

/** Writes the job's row as the order form does, then starts its workflow at the server's now. */
export async function orderJob(world: JobWorld, o: OrderOptions, orderedAtMs: number): Promise<{ jobId: number; handle: WorkflowHandle<typeof jobWorkflow>; input: JobInput }> {
  const orderedAt = new Date(orderedAtMs).toISOString();
  const urgency = o.urgency ?? 'normal';
  const [row] = await world.db.sql<{ id: string }[]>`
    insert into jobs (kind, client_id, install_id, title, description, urgency, budget_cents, status, ordered_at)
    values (${o.install ? 'install' : 'estimate'}, ${o.clientId}, ${o.install?.installId ?? null}, 'Fix the checkout', 'The checkout page shows an error.', ${urgency},
      ${o.budgetCents ?? null}, 'open', ${orderedAt}::timestamptz)
    returning id`;
  const jobId = Number(row!.id);
  const year = new Date(orderedAtMs).getUTCFullYear();
  const input: JobInput = {
    jobId,
    kind: o.install ? 'install' : 'estimate',
    clientId: o.clientId,
    clientUsername: o.login,
    title: 'Fix the checkout',
    urgency,
    budgetCents: o.budgetCents ?? null,
    install: o.install ?? null,
    clientVerified: o.clientVerified ?? true,
    orderedAt,
    policy: o.policy ?? jobPolicy,
    calendar: businessCalendar(jobPolicy.calendar, year, year + 2),
  };
  const handle = await world.temporal.workflow.start<typeof jobWorkflow>(jobWorkflowType, {
    workflowId: jobWorkflowId(jobId),
    taskQueue: world.taskQueue,
    args: [input],
    typedSearchAttributes: startSearchAttributes(input),
    staticSummary: summaryOf(input),
  });
  return { jobId, handle, input };
}

/** The Updates of a job, by wire name, as the gateway sends them. */
export function actions(handle: WorkflowHandle<typeof jobWorkflow>) {
  const send = <A>(def: UpdateDefinition<JobView, [A]>, args: A): Promise<JobView> => handle.executeUpdate(def, { args: [args] });
  return {
    view: () => handle.query(viewQuery, 'staff'),
    claim: (expertId: number) => send(u.claimUpdate, { expertId }),
    estimate: (expertId: number, quarterHours: number) => send(u.estimateUpdate, { expertId, quarterHours, plan: 'Find the error, fix it, test the checkout', fitsBudget: null }),
    pay: (clientId: number, estimateNumber: number) => send(u.payUpdate, { clientId, estimateNumber }),
    deliver: (expertId: number) => send(u.deliverUpdate, { expertId, note: 'Fixed and tested' }),
    approve: (clientId: number) => send(u.approveUpdate, { clientId }),
    cancel: (clientId: number, reason: string) => send(u.cancelUpdate, { clientId, reason }),
    decide: (args: u.DecideCancellationArgs) => send(u.decideCancellationUpdate, args),
    message: (role: 'client' | 'expert' | 'staff', userId: number, messageId: number, sentAt: string) => send(u.messageUpdate, { actor: { role, userId }, messageId, sentAt }),
  };
}

/** Waits until the job's row says `status`. */
export function rowStatus(db: Db, jobId: number, status: string): Promise<true> {
  return pollUntil(
    async () => {
      const [row] = await db.sql<{ status: string }[]>`select status from jobs where id = ${jobId}`;
      return row?.status === status ? true : undefined;
    },
    { timeoutMs: 20_000, what: `job ${jobId} ${status}` },
  );
}

/**
 * Waits until the job's workflow has completed. Not `handle.result()`: on the time-skipping
 * server, waiting on a result lets the clock run on to the next timer of any workflow (years
 * ahead when none has one).
 */
export function ended(handle: WorkflowHandle<typeof jobWorkflow>): Promise<true> {
  return pollUntil(async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined), { timeoutMs: 20_000, what: `${handle.workflowId} to complete` });
}

/** The fixtures, each `job-<name>.json`. */
export const jobScenarios = ['approved', 'auto-approved', 'cancelled-refund'] as const;
export const jobHistoryFile = (name: (typeof jobScenarios)[number]) => `job-${name}.json`;

/**
 * Runs every scenario on a time-skipping server of its own (W-13's business days would take days
 * on the dev server), with gigflow's worker over `db`, and answers the histories by fixture file.
 */
export async function captureJobHistories(db: Db): Promise<Map<string, string>> {
  const env: TestWorkflowEnvironment = await createTimeSkippingEnv();
  const taskQueue = uniqueId('job-histories');
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, workflowBundle: await bundle(workflowsPath), activities: createActivities({ db }) });
  const running = worker.run();
  try {
    const world: JobWorld = { db, temporal: env.client, taskQueue };
    const [client, expert, admin] = [await person(db, 'client'), await person(db, 'expert', ['expert']), await person(db, 'admin', ['admin'])];
    await fund(db, client.id, 100_000);
    await invoicingData(db, client.id);
    const run = async (ending: (a: ReturnType<typeof actions>, jobId: number) => Promise<void>) => {
      const { handle, jobId } = await orderJob(world, { clientId: client.id, login: client.login }, await env.currentTimeMs());
      const a = actions(handle);
      await a.claim(expert.id);
      await a.message('expert', expert.id, 1, new Date(await env.currentTimeMs()).toISOString());
      await a.estimate(expert.id, 8);
      await a.pay(client.id, 1);
      await ending(a, jobId);
      await ended(handle);
      return historyToJSON(await handle.fetchHistory());
    };
    const approved = await run(async (a) => {
      await a.deliver(expert.id);
      await a.approve(client.id);
    });
    const autoApproved = await run(async (a, jobId) => {
      const view = await a.deliver(expert.id);
      await env.sleep(Date.parse(view.autoApproveAt!) - (await env.currentTimeMs()) + 1_000);
      await rowStatus(db, jobId, 'approved');
    });
    const cancelled = await run(async (a) => {
      await a.cancel(client.id, 'Not needed any more');
      await a.decide({ staffId: admin.id, decision: 'full', reason: 'A full refund, as asked' });
    });
    return new Map([
      [jobHistoryFile('approved'), approved],
      [jobHistoryFile('auto-approved'), autoApproved],
      [jobHistoryFile('cancelled-refund'), cancelled],
    ]);
  } finally {
    worker.shutdown();
    await running;
    await env.teardown();
  }
}
