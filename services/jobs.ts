/**
 * Estimated jobs (the WP Kraken model, W-01…W-19), the API's side. The "Order a Job" form
 * writes the job's row, its files and its conversation in one transaction and starts `job-<id>`
 * (last, so a refusal starts nothing); from there the workflow owns the job — claims,
 * estimates, payment into escrow, delivery, cancellation and refunds, approval (by the client or
 * automatically, W-13) — and writes every change to the `jobs` row, which lists read. One job's
 * live state is its workflow's `view` query; a closed job's is the row's `view` (the dev server
 * forgets closed workflows). What happens after a job closes moves no money and is written here:
 * the review (W-15) and "Resume conversation" (W-16).
 *
 * Who sees a job: its client; the experts it has had (its conversation's participants); job
 * staff (support, admins); and, while it waits in the queue (`open`), any holder of the `expert`
 * role — the description but not the files (W-19: files serve the job only). Anyone else, like
 * an unknown id, gets 404. W-19: an expert sees the client's username and invoicing data, never
 * the email. The invoice (W-14, W-17) is the client's and staff's, and exists only once approved.
 */
import { eq, sql } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { linkAffiliateClientIn } from '../db/affiliates.js';
import { queueStartIn, startQueued, startQueuedOrLeave, startQueuedWorkflows, type QueuedStart } from '../db/workflow-starts.js';
import { conversationParticipants, conversations } from '../db/schema/conversations.js';
import { jobAttachments } from '../db/schema/attachments.js';
import { jobs } from '../db/schema/jobs.js';
import { idempotencyKeys } from '../db/schema/requests.js';
import { sqlOf, type Tx } from '../db/tx.js';
import { businessCalendar, closureNotice } from '../payments/business-calendar.js';
import { AppError, fieldError } from '../workflows/lib/errors.js';
import { isFinalStatus } from '../workflows/job/machine.js';
import { jobWorkflowId, type JobInput, type JobKind, type JobStatus, type JobView, type JobViewer, type Urgency } from '../workflows/job/messages.js';
import type { JobPolicy } from '../workflows/job/policy.js';
import { jobPolicy as defaultJobPolicy } from '../workflows/job/policy.js';
import type { SessionUser } from './account-types.js';
import { assertOwnAttachments, attachmentsOf, type AttachmentInfo } from './attachments.js';
import type { Clock } from './clock.js';
import { assertSameRequest, keyedRequest, keyRow, oneRequestAtATime, type KeyedRequest } from './idempotency.js';
import { attachmentRules, jobStaff } from './policy.js';
import { queuedStart, WorkflowGoneError, type WorkflowGateway } from './workflow-gateway.js';

/**
 * W-01: makes the account of an anonymous client inside the form's transaction (the integrator
 * wires the accounts' implementation, which sends the verification and set-password emails).
 * `existing`: the email has an account already; the form then answers "sign in first" and never
 * attaches the job to it.
 */
export type CreateAccountOnSubmission = (tx: Tx, input: { email: string; username?: string; now: Date }) => Promise<{ userId: number; created: true } | { existing: true }>;

export interface JobsDeps {
  db: Db;
  clock: Clock;
  workflows: Pick<WorkflowGateway, 'job' | 'startQueued'>;
  /** The rules new jobs start with; tests shorten them. */
  rules?: JobPolicy;
  /** W-01; without it, ordering needs a signed-in client (401 otherwise). */
  createAccountOnSubmission?: CreateAccountOnSubmission;
}

/** What the "Order a Job" form sends (W-01…W-06). */
export interface JobOrder {
  /** W-06: a catalog install, paid at once without an estimate; null for an estimated job. */
  installId: number | null;
  /** Required for an estimated job; an install's defaults to the install's name. */
  title: string | null;
  description: string;
  /** The client's site, http or https. */
  siteUrl: string | null;
  urgency: Urgency;
  /** W-05: the client's budget in cents, or null (estimated jobs only). */
  budgetCents: number | null;
  /** W-03: the signed-in client's own uploads (mockups, sketches, videos, screenshots). */
  attachmentIds: string[];
  /** W-01: an anonymous client's email (and wished username): their account is created on submission. */
  email?: string | undefined;
  username?: string | undefined;
  /**
   * W-23: the first-touch affiliate visit of the anonymous client's browser (the web client's
   * cookie): the account the form creates becomes that affiliate's pending client, as at
   * registration. An unknown token links nothing and refuses nothing; a signed-in order ignores it.
   */
  affiliateVisit?: string | undefined;
}

export interface OrderedJob {
  jobId: number;
  status: JobStatus;
  /** W-01: an account was created for the email: the job waits for its activation. */
  accountCreated: boolean;
  /** A retry of an earlier submission with the same Idempotency-Key: nothing new was ordered. */
  replayed: boolean;
}

/** A job in lists (the read model). */
export interface JobSummary {
  id: number;
  kind: JobKind;
  title: string;
  urgency: Urgency;
  status: JobStatus;
  /** W-19: the username only, never the email. */
  client: { id: number; username: string };
  expert: { id: number; username: string } | null;
  budgetCents: number | null;
  priceCents: number | null;
  paidCents: number;
  orderedAt: string;
  firstAnswerDueAt: string | null;
  firstAnsweredAt: string | null;
  autoApproveAt: string | null;
  approvedAt: string | null;
  closedAt: string | null;
  reviewStars: number | null;
  /** W-17: the approved job's invoice, for its client and staff only (null for anyone else). */
  invoiceId: number | null;
}

/** How the caller takes part: the client, the current or a former expert, staff, or an expert looking at the queue. */
export type JobRole = 'client' | 'expert' | 'former_expert' | 'staff' | 'queue';

export interface InvoicingData {
  firstName: string;
  lastName: string;
  country: string;
  companyName: string | null;
  companyAddress: string | null;
  taxId: string | null;
}

export interface JobDetail extends JobSummary {
  description: string;
  siteUrl: string | null;
  install: { id: number; name: string; priceCents: number } | null;
  role: JobRole;
  /** W-03, W-19: the client's files, for the job's parties and staff (none for the queue). */
  attachments: AttachmentInfo[];
  /** W-09: the job's conversation, for its parties and staff. */
  conversationId: number | null;
  /** W-19: the client's invoicing data, as the expert and staff see it (null for others, or none given). */
  clientInvoicing: InvoicingData | null;
  /** The workflow's view (the row's last one once the job has closed); null before its first write. */
  view: JobView | null;
  review: { stars: number; comment: string; at: string } | null;
  conversationResumedAt: string | null;
  /** What the caller may do now: the workflow's Updates, and the API's `review`, `resume`, `message`. */
  allowedActions: string[];
}

type Viewer = Pick<SessionUser, 'id' | 'roles'>;
const isJobStaff = (viewer: Viewer) => viewer.roles.some((r) => (jobStaff as readonly string[]).includes(r));
const isExpert = (viewer: Viewer) => viewer.roles.includes('expert');
const iso = (value: string | Date | null): string | null => (value === null ? null : new Date(value).toISOString());
const num = (value: string | number | null): number | null => (value === null ? null : Number(value));

interface Row {
  id: string;
  kind: JobKind;
  client_id: string;
  client_login: string;
  expert_id: string | null;
  expert_login: string | null;
  install_id: string | null;
  install_name: string | null;
  install_price_cents: number | null;
  title: string;
  description: string;
  site_url: string | null;
  urgency: Urgency;
  budget_cents: number | null;
  status: JobStatus;
  price_cents: number | null;
  paid_cents: number;
  ordered_at: Date;
  first_answer_due_at: Date | null;
  first_answered_at: Date | null;
  auto_approve_at: Date | null;
  approved_at: Date | null;
  closed_at: Date | null;
  view: JobView | null;
  review_stars: number | null;
  review_comment: string | null;
  reviewed_at: Date | null;
  conversation_resumed_at: Date | null;
  conversation_id: string | null;
  invoice_id: string | null;
}

type Fragment = postgres.PendingQuery<postgres.Row[]>;

/**
 * The jobs matching `where` (a fragment over `j`), in `order`. An install job shows the price it
 * was ordered at (its own `price_cents`), not the catalog's now (W-06: staff may change it).
 */
function selectJobs(db: Db, where: Fragment, order: Fragment = db.sql`j.id desc`) {
  return db.sql<Row[]>`
    select j.*, c.login as client_login, e.login as expert_login, i.name as install_name, coalesce(j.price_cents, i.price_cents) as install_price_cents,
      (select id from conversations k where k.job_id = j.id) as conversation_id,
      (select id from invoices v where v.job_id = j.id) as invoice_id
    from jobs j join users c on c.id = j.client_id left join users e on e.id = j.expert_id left join job_installs i on i.id = j.install_id
    where ${where} order by ${order} limit 200`;
}

/** W-17: the invoice shows to the job's client and staff, once the job is approved. */
function summaryOf(r: Row, invoiceReader: boolean): JobSummary {
  return {
    id: Number(r.id),
    kind: r.kind,
    title: r.title,
    urgency: r.urgency,
    status: r.status,
    client: { id: Number(r.client_id), username: r.client_login },
    expert: r.expert_id === null ? null : { id: Number(r.expert_id), username: r.expert_login! },
    budgetCents: r.budget_cents,
    priceCents: r.price_cents,
    paidCents: r.paid_cents,
    orderedAt: iso(r.ordered_at)!,
    firstAnswerDueAt: iso(r.first_answer_due_at),
    firstAnsweredAt: iso(r.first_answered_at),
    autoApproveAt: iso(r.auto_approve_at),
    approvedAt: iso(r.approved_at),
    closedAt: iso(r.closed_at),
    reviewStars: r.review_stars,
    invoiceId: invoiceReader && r.status === 'approved' ? num(r.invoice_id) : null,
  };
}


/** The caller's part in the job, or null when they may not see it. */
async function roleOf(db: Db, viewer: Viewer, row: Row): Promise<JobRole | null> {
  if (Number(row.client_id) === viewer.id) return 'client';
  if (row.expert_id !== null && Number(row.expert_id) === viewer.id) return 'expert';
  if (row.conversation_id !== null) {
    const [p] = await db.sql`select 1 from conversation_participants where conversation_id = ${row.conversation_id} and user_id = ${viewer.id}`;
    if (p) return 'former_expert';
  }
  if (isJobStaff(viewer)) return 'staff';
  if (isExpert(viewer) && row.status === 'open') return 'queue';
  return null;
}

const viewerOf = (role: JobRole): JobViewer => (role === 'client' ? 'client' : role === 'staff' ? 'staff' : 'expert');

/**
 * The job's state: the workflow's while it runs, the row's last once it has closed or the server
 * has forgotten it (the dev server keeps a closed workflow a day). The row's view offers no
 * Update: no workflow is there to take one (its `allowedActions` were staff's, at that write).
 */
async function liveView(deps: JobsDeps, row: Row, role: JobRole): Promise<JobView | null> {
  if (!isFinalStatus(row.status)) {
    try {
      return await deps.workflows.job.view(Number(row.id), viewerOf(role));
    } catch (err) {
      if (!(err instanceof WorkflowGoneError)) throw err;
    }
  }
  return row.view && { ...row.view, allowedActions: [] };
}

/** The API's own actions on top of the workflow's (W-09, W-15, W-16). */
function apiActions(row: Row, role: JobRole): string[] {
  const final = isFinalStatus(row.status);
  const actions: string[] = [];
  if (role === 'client' || role === 'expert') {
    if (!final || row.conversation_resumed_at !== null) actions.push('message');
  }
  if (role === 'client' && row.status === 'approved' && row.review_stars === null) actions.push('review');
  if (role === 'client' && final && row.conversation_resumed_at === null) actions.push('resume');
  return actions;
}

async function load(deps: JobsDeps, jobId: number): Promise<Row> {
  const [row] = await selectJobs(deps.db, deps.db.sql`j.id = ${jobId}`);
  if (!row) throw new AppError('not_found', 'no such job');
  return row;
}

/** One job as `viewer` may see it (404 when they may not); `view`: the state an Update just answered with. */
async function get(deps: JobsDeps, viewer: Viewer, jobId: number, view?: JobView): Promise<JobDetail> {
  const { db } = deps;
  const row = await load(deps, jobId);
  const role = await roleOf(db, viewer, row);
  if (role === null) throw new AppError('not_found', 'no such job');
  const party = role !== 'queue';
  const files = party ? await db.sql<{ attachment_id: string }[]>`select attachment_id from job_attachments where job_id = ${jobId} order by attachment_id` : [];
  const [invoicing] =
    role === 'expert' || role === 'former_expert' || role === 'staff'
      ? await db.sql<{ first_name: string; last_name: string; country: string; company_name: string | null; company_address: string | null; tax_id: string | null }[]>`
          select first_name, last_name, country, company_name, company_address, tax_id from invoicing_profiles where user_id = ${row.client_id}`
      : [];
  const current = view ?? (await liveView(deps, row, role));
  // A former expert, or an expert browsing the queue, may only claim; the workflow's list is per kind of viewer.
  const workflowActions = current === null ? [] : role === 'former_expert' ? [] : role === 'queue' ? current.allowedActions.filter((a) => a === 'claim') : current.allowedActions;
  return {
    ...summaryOf(row, role === 'client' || role === 'staff'),
    description: row.description,
    siteUrl: row.site_url,
    install: row.install_id === null ? null : { id: Number(row.install_id), name: row.install_name!, priceCents: row.install_price_cents! },
    role,
    attachments: await attachmentsOf(db, files.map((f) => f.attachment_id)),
    conversationId: party ? num(row.conversation_id) : null,
    clientInvoicing: invoicing
      ? { firstName: invoicing.first_name, lastName: invoicing.last_name, country: invoicing.country, companyName: invoicing.company_name, companyAddress: invoicing.company_address, taxId: invoicing.tax_id }
      : null,
    view: current,
    review: row.review_stars === null ? null : { stars: row.review_stars, comment: row.review_comment ?? '', at: iso(row.reviewed_at)! },
    conversationResumedAt: iso(row.conversation_resumed_at),
    allowedActions: [...workflowActions, ...apiActions(row, role)],
  };
}

/** The order's install (W-06), active in the catalog; 404 otherwise. */
async function installOf(db: Db, installId: number) {
  const [install] = await db.sql<{ id: string; name: string; price_cents: number }[]>`select id, name, price_cents from job_installs where id = ${installId} and active`;
  if (!install) throw fieldError('body.installId', 'no such install in the catalog', 'not_found');
  return { installId: Number(install.id), name: install.name, priceCents: install.price_cents };
}

/** The job's client inside the form's transaction: the caller, or (W-01) the account made for the email. */
async function clientOf(deps: JobsDeps, tx: Tx, caller: SessionUser | undefined, body: JobOrder, now: Date) {
  let clientId: number;
  let clientVerified: boolean;
  if (caller) {
    clientId = caller.id;
    clientVerified = caller.emailConfirmed;
  } else {
    const account = await deps.createAccountOnSubmission!(tx, { email: body.email!, ...(body.username === undefined ? {} : { username: body.username }), now });
    if ('existing' in account) throw fieldError('body.email', 'an account has this email: sign in first, then order the job from it', 'email_taken', { signIn: '/login' });
    clientId = account.userId;
    clientVerified = false;
    // W-23: the same link as `register` makes, in the account's own transaction (first touch: the cookie is never replaced).
    if (body.affiliateVisit !== undefined) await linkAffiliateClientIn(tx, { clientId, visitToken: body.affiliateVisit, registeredAt: now });
  }
  const [client] = await tx.execute<{ login: string }>(sql`select login from users where id = ${clientId}`);
  return { clientId, clientVerified, clientUsername: client!.login };
}

type Install = Awaited<ReturnType<typeof installOf>>;

/** The order's row, files, conversation and key, and its workflow's queued start (`db/workflow-starts.ts`), in the caller's transaction. */
async function writeOrder(deps: JobsDeps, tx: Tx, caller: SessionUser | undefined, order: { body: JobOrder; title: string; install: Install | null; request: KeyedRequest; now: Date }): Promise<{ ordered: OrderedJob; start: QueuedStart }> {
  const { body, title, install, request, now } = order;
  const rules = deps.rules ?? defaultJobPolicy;
  const { clientId, clientVerified, clientUsername } = await clientOf(deps, tx, caller, body, now);
  const kind = install ? 'install' : 'estimate';
  const status = clientVerified ? 'open' : 'awaiting_verification';
  const [row] = await tx
    .insert(jobs)
    .values({ kind, clientId, installId: install?.installId ?? null, title, description: body.description, siteUrl: body.siteUrl, urgency: body.urgency, budgetCents: body.budgetCents, status, priceCents: install?.priceCents ?? null, orderedAt: now, requestKey: request.key, updatedAt: now })
    .returning({ id: jobs.id });
  const jobId = row!.id;
  if (body.attachmentIds.length) await tx.insert(jobAttachments).values(body.attachmentIds.map((attachmentId) => ({ jobId, attachmentId })));
  const [conversation] = await tx.insert(conversations).values({ kind: 'job', jobId, createdAt: now }).returning({ id: conversations.id });
  await tx.insert(conversationParticipants).values({ conversationId: conversation!.id, userId: clientId });
  await tx.insert(idempotencyKeys).values(keyRow(clientId, request, now));
  const year = now.getUTCFullYear();
  const input: JobInput = {
    jobId,
    kind,
    clientId,
    clientUsername,
    title,
    urgency: body.urgency,
    budgetCents: body.budgetCents,
    install,
    clientVerified,
    orderedAt: now.toISOString(),
    policy: rules,
    // D-06: the years the job's deadlines can reach.
    calendar: businessCalendar(rules.calendar, year, year + 1),
  };
  const start = queuedStart('job', input);
  await queueStartIn(sqlOf(tx), start, now);
  return { ordered: { jobId, status, accountCreated: !caller, replayed: false }, start };
}

/**
 * W-01…W-06: orders a job. Signed in, the caller is the client (their confirmed email counts as
 * verified); anonymous, an `email` makes the account (W-01) and the job waits for its activation.
 * The Idempotency-Key makes a retry answer the first submission (as `POST /orders`).
 */
async function order(deps: JobsDeps, caller: SessionUser | undefined, body: JobOrder, key: string): Promise<OrderedJob> {
  const { db, clock } = deps;
  if (caller && (body.email !== undefined || body.username !== undefined)) throw fieldError('body.email', 'you are signed in: the job is ordered on your account', 'rule_violation');
  if (!caller && !deps.createAccountOnSubmission) throw new AppError('unauthenticated', 'sign in first to order a job');
  if (!caller && body.email === undefined) throw fieldError('body.email', 'your email: an account is created for it (W-01), or sign in first');
  if (!caller && body.attachmentIds.length) throw fieldError('body.attachmentIds', 'files are uploaded from an account: sign in first, or add them in the job’s conversation once it is activated');
  const install = body.installId === null ? null : await installOf(db, body.installId);
  if (install && body.budgetCents !== null) throw fieldError('body.budgetCents', 'an install has a fixed price (W-06): no budget', 'rule_violation');
  const title = body.title ?? install?.name ?? null;
  if (title === null) throw fieldError('body.title', 'a title for the job', 'rule_violation');
  // The browser's affiliate cookie is no part of what was ordered: a retry without it is the same request.
  const { affiliateVisit: _visit, ...ordered } = body;
  const request = keyedRequest(key, 'job_order', { ...ordered, email: body.email?.toLowerCase() });
  const run = async (): Promise<OrderedJob> => {
    if (caller) {
      await assertSameRequest(db, caller.id, request);
      const [earlier] = await db.sql<{ id: string; status: JobStatus }[]>`select id, status from jobs where client_id = ${caller.id} and request_key = ${key}`;
      if (earlier) {
        // The first submission's workflow, if Temporal could not take its start then.
        await startQueuedWorkflows(db, deps.workflows.startQueued, { workflowIds: [jobWorkflowId(Number(earlier.id))] });
        return { jobId: Number(earlier.id), status: earlier.status, accountCreated: false, replayed: true };
      }
      await assertOwnAttachments(db, caller.id, body.attachmentIds, attachmentRules.perRequest);
    }
    const now = clock.now();
    const { ordered, start } = await db.orm.transaction((tx) => writeOrder(deps, tx, caller, { body, title, install, request, now }));
    // Signed in, a start Temporal did not take answers 503 and the retry with the key makes it;
    // anonymous, a retry would meet the account the form made, so the job is answered and its
    // start left to a worker's sweep.
    if (caller) await startQueued(db, deps.workflows.startQueued, [start]);
    else await startQueuedOrLeave(db, deps.workflows.startQueued, [start]);
    return ordered;
  };
  return caller ? oneRequestAtATime(caller.id, key, run) : run();
}

/**
 * What an action needs of its caller: the client, the current expert, staff, or (to claim) an
 * expert who may see the job and is not its client (the route's guard checked the role).
 */
type Need = 'client' | 'expert' | 'staff' | 'claimer';

/**
 * Runs a workflow Update for `viewer` on the job, once they may: not theirs → 404 (as an unknown
 * job); a closed job → 409. The answer is the job with the view the Update returned.
 */
async function act(deps: JobsDeps, viewer: Viewer, jobId: number, need: Need, run: (row: Row) => Promise<JobView>): Promise<JobDetail> {
  const row = await load(deps, jobId);
  const role = await roleOf(deps.db, viewer, row);
  const allowed =
    need === 'client' ? role === 'client' : need === 'expert' ? role === 'expert' : need === 'staff' ? isJobStaff(viewer) : role === 'queue' || (role !== null && role !== 'client' && isExpert(viewer));
  if (!allowed) throw new AppError('not_found', 'no such job');
  if (isFinalStatus(row.status)) throw new AppError('conflict', `the job is ${row.status}`, { status: row.status });
  let view: JobView;
  try {
    view = await run(row);
  } catch (err) {
    throw err instanceof WorkflowGoneError ? new AppError('conflict', `the job is ${row.status} and takes no actions now`, { status: row.status }) : err;
  }
  if (view.expertId !== null) await joinConversation(deps.db, jobId, view.expertId);
  return get(deps, viewer, jobId, view);
}

/** W-10: the job's expert takes part in its conversation; a former one stays (the history shows both). */
async function joinConversation(db: Db, jobId: number, expertId: number): Promise<void> {
  await db.sql`insert into conversation_participants (conversation_id, user_id) select id, ${expertId} from conversations where job_id = ${jobId} on conflict do nothing`;
}

/** W-02: the experts' queue: most urgent first, then oldest. */
const QUEUE_ORDER = (db: Db) => db.sql`case j.urgency when 'critical' then 0 when 'high' then 1 when 'normal' then 2 else 3 end, j.ordered_at, j.id`;

export interface StaffJobFilter {
  status?: JobStatus | undefined;
  /** W-11: paid jobs the client asked to cancel, waiting for staff's refund decision. */
  cancellationRequested?: boolean | undefined;
  /** W-10: the client asked for a different expert and nobody reassigned yet. */
  differentExpertAsked?: boolean | undefined;
}

async function awaitingActivation(db: Db, userId: number): Promise<number[]> {
  const rows = await db.sql<{ id: string }[]>`select id from jobs where client_id = ${userId} and status = 'awaiting_verification' order by id`;
  return rows.map((r) => Number(r.id));
}

/**
 * W-01: the waiting jobs whose workflow has not started yet (Temporal could not take the order
 * form's start, and no sweep has made it since): a signal would find no workflow to tell. Their
 * queued start is made a verified client's, with the job's row open, as a signed-in client's
 * order is; then they are started (a start Temporal still refuses is left to the sweep, which
 * now starts them verified). A sweep that read a start before this and starts it unverified
 * meanwhile is told by the caller's signal. The ids released here.
 */
async function releaseQueued(deps: JobsDeps, jobIds: number[]): Promise<number[]> {
  const workflowIds = jobIds.map(jobWorkflowId);
  const rows = await deps.db.sql.begin(async (tx) => {
    const verified = await tx<{ job_id: string }[]>`
      update workflow_starts set input = jsonb_set(input, '{clientVerified}', 'true'::jsonb)
      where process = 'job' and workflow_id = any(${workflowIds}::text[]) returning (input->>'jobId')::int8 as job_id`;
    const ids = verified.map((r) => Number(r.job_id));
    if (ids.length > 0) await tx`update jobs set status = 'open', updated_at = ${deps.clock.now().toISOString()}::timestamptz where id = any(${ids}::bigint[]) and status = 'awaiting_verification'`;
    return ids;
  });
  if (rows.length > 0) await startQueuedWorkflows(deps.db, deps.workflows.startQueued, { workflowIds: rows.map(jobWorkflowId) }).catch(() => 0);
  return rows;
}

/** The catalog and the lists: the client's, the experts' queue and their own, staff's. */
function jobLists(deps: JobsDeps) {
  const { db } = deps;
  return {
    /** W-10: the users staff may give a job to (holders of the expert role), by username. */
    async experts(): Promise<{ id: number; username: string }[]> {
      const rows = await db.sql<{ id: string; login: string }[]>`select id, login from users where 'expert' = any(roles) and blocked_at is null order by login limit 500`;
      return rows.map((r) => ({ id: Number(r.id), username: r.login }));
    },
    /** W-06: the installs the catalog offers now, cheapest first. */
    async installs(): Promise<{ id: number; name: string; description: string; priceCents: number }[]> {
      const rows = await db.sql<{ id: string; name: string; description: string; price_cents: number }[]>`
        select id, name, description, price_cents from job_installs where active order by price_cents, id`;
      return rows.map((r) => ({ id: Number(r.id), name: r.name, description: r.description, priceCents: r.price_cents }));
    },
    /** W-16: the client's jobs, open and closed (the Closed Jobs list carries each approved job's invoice, W-17). */
    async mine(clientId: number): Promise<{ open: JobSummary[]; closed: JobSummary[] }> {
      const all = (await selectJobs(db, db.sql`j.client_id = ${clientId}`)).map((r) => summaryOf(r, true));
      return { open: all.filter((j) => !isFinalStatus(j.status)), closed: all.filter((j) => isFinalStatus(j.status)) };
    },
    /**
     * W-02: open jobs nobody has claimed, critical first, then the oldest, with when the first
     * answer is due. An install is claimed once paid (W-06), so an unpaid one waits outside.
     */
    async queue(): Promise<JobSummary[]> {
      const where = db.sql`j.status = 'open' and j.expert_id is null and (j.kind = 'estimate' or j.paid_cents > 0)`;
      return (await selectJobs(db, where, QUEUE_ORDER(db))).map((r) => summaryOf(r, false));
    },
    /** The expert's jobs: the ones they hold now, and the ones they had (W-10). */
    async mineAsExpert(expertId: number): Promise<JobSummary[]> {
      const where = db.sql`(j.expert_id = ${expertId} or exists (select 1 from conversations k join conversation_participants p on p.conversation_id = k.id
        where k.job_id = j.id and p.user_id = ${expertId} and j.client_id <> ${expertId}))`;
      return (await selectJobs(db, where)).map((r) => summaryOf(r, false));
    },
    /** Staff's list, newest first: by status, paid jobs waiting for a refund decision (W-11), clients asking for another expert (W-10). */
    async staffList(filter: StaffJobFilter): Promise<JobSummary[]> {
      const where = db.sql`(${filter.status ?? null}::text is null or j.status = ${filter.status ?? null}::text)
        and (not ${filter.cancellationRequested ?? false} or j.status = 'cancellation_requested')
        and (not ${filter.differentExpertAsked ?? false} or jsonb_typeof(j.view->'differentExpertAsked') = 'object')`;
      return (await selectJobs(db, where)).map((r) => summaryOf(r, true));
    },
  };
}

/** Each party's and staff's actions on a job (the workflow's Updates), and the API's own after it closes. */
function jobActions(deps: JobsDeps) {
  const { db, clock } = deps;
  const rules = deps.rules ?? defaultJobPolicy;
  const client = (user: Viewer) => ({ clientId: user.id });
  return {
    claim: (expert: Viewer, jobId: number) => act(deps, expert, jobId, 'claimer', () => deps.workflows.job.claim(jobId, { expertId: expert.id })),
    /** W-04, W-05: hours (in quarter hours) × the policy's rate; the plan; whether it fits the client's budget. */
    estimate: (expert: Viewer, jobId: number, body: { hours: number; plan: string; fitsBudget: boolean | null }) =>
      act(deps, expert, jobId, 'expert', async (row) => {
        const quarterHours = Math.round(body.hours * 4);
        if (quarterHours < 1 || quarterHours > rules.maxQuarterHours) throw fieldError('body.hours', `from 0.25 to ${rules.maxQuarterHours / 4} hours`, 'rule_violation');
        if ((row.budget_cents === null) !== (body.fitsBudget === null)) {
          throw fieldError('body.fitsBudget', row.budget_cents === null ? 'the client gave no budget: send null' : 'the client gave a budget (W-05): say whether the estimate fits it', 'rule_violation');
        }
        return deps.workflows.job.estimate(jobId, { expertId: expert.id, quarterHours, plan: body.plan, fitsBudget: body.fitsBudget });
      }),
    /** W-07, W-08: "Pay now" from the balance into escrow (422 `insufficient_funds` with the missing cents; 409 a stale estimate). */
    pay: (user: Viewer, jobId: number, estimateNumber: number) => act(deps, user, jobId, 'client', () => deps.workflows.job.pay(jobId, { ...client(user), estimateNumber })),
    rejectEstimate: (user: Viewer, jobId: number, reason: string) => act(deps, user, jobId, 'client', () => deps.workflows.job.rejectEstimate(jobId, { ...client(user), reason })),
    askDifferentExpert: (user: Viewer, jobId: number, reason: string) => act(deps, user, jobId, 'client', () => deps.workflows.job.askDifferentExpert(jobId, { ...client(user), reason })),
    cancel: (user: Viewer, jobId: number, reason: string) => act(deps, user, jobId, 'client', () => deps.workflows.job.cancel(jobId, { ...client(user), reason })),
    /** W-12: releases escrow (the expert's share, the platform's commission) and issues the invoice (W-14). */
    approve: (user: Viewer, jobId: number) => act(deps, user, jobId, 'client', () => deps.workflows.job.approve(jobId, client(user))),
    deliver: (expert: Viewer, jobId: number, note: string) => act(deps, expert, jobId, 'expert', () => deps.workflows.job.deliver(jobId, { expertId: expert.id, note })),
    /** W-10: staff give the job to another expert (who must hold the role). */
    reassign: (staff: Viewer, jobId: number, body: { expertId: number; note: string }) =>
      act(deps, staff, jobId, 'staff', async (row) => {
        const [expert] = await db.sql`select 1 from users where id = ${body.expertId} and 'expert' = any(roles) and id <> ${row.client_id}`;
        if (!expert) throw fieldError('body.expertId', 'no such expert (a user holding the expert role, not the client)', 'rule_violation');
        return deps.workflows.job.reassign(jobId, { staffId: staff.id, ...body });
      }),
    /** W-08, W-11: staff's refund decision on a paid job the client asked to cancel (or `refuse`). */
    decideCancellation: (
      staff: Viewer,
      jobId: number,
      body: { decision: 'full' | 'none' | 'refuse'; reason: string } | { decision: 'partial'; refundCents: number; reason: string },
    ) => act(deps, staff, jobId, 'staff', () => deps.workflows.job.decideCancellation(jobId, { staffId: staff.id, ...body })),
    /** W-15: the client reviews an approved job once: 1–5 stars and a comment. */
    async review(user: Viewer, jobId: number, body: { stars: number; comment: string }): Promise<JobDetail> {
      const row = await load(deps, jobId);
      if (Number(row.client_id) !== user.id) throw new AppError('not_found', 'no such job');
      if (row.status !== 'approved') throw new AppError('conflict', `the job is ${row.status}: only an approved job is reviewed (W-14)`, { status: row.status });
      const updated = await db.orm
        .update(jobs)
        .set({ reviewStars: body.stars, reviewComment: body.comment, reviewedAt: clock.now() })
        .where(sql`${jobs.id} = ${jobId} and ${jobs.reviewStars} is null`)
        .returning({ id: jobs.id });
      if (!updated.length) throw new AppError('conflict', 'you reviewed this job already: a review is given once (W-15)');
      return get(deps, user, jobId);
    },
    /** W-16: "Resume conversation" on a closed job: talk reopens, the money stays closed. Asking again changes nothing. */
    async resume(user: Viewer, jobId: number): Promise<JobDetail> {
      const row = await load(deps, jobId);
      if (Number(row.client_id) !== user.id) throw new AppError('not_found', 'no such job');
      if (!isFinalStatus(row.status)) throw new AppError('conflict', `the job is ${row.status}: its conversation is open`, { status: row.status });
      await db.orm.update(jobs).set({ conversationResumedAt: sql`coalesce(${jobs.conversationResumedAt}, ${clock.now().toISOString()}::timestamptz)` }).where(eq(jobs.id, jobId));
      return get(deps, user, jobId);
    },
  };
}

/** W-21: how many days ahead the order pages announce a holiday closure. */
const CLOSURE_NOTICE_DAYS = 3;

export function createJobs(deps: JobsDeps) {
  const { db } = deps;
  return {
    order: (caller: SessionUser | undefined, body: JobOrder, key: string) => order(deps, caller, body, key),
    get: (viewer: Viewer, jobId: number) => get(deps, viewer, jobId),
    ...jobLists(deps),
    ...jobActions(deps),
    /** W-21: the public holidays of the next 3 days, when the experts are off, and when quotes are answered again. */
    closureNotice: () => closureNotice((deps.rules ?? defaultJobPolicy).calendar, deps.clock.now().getTime(), CLOSURE_NOTICE_DAYS),
    /** W-01: the client's jobs that wait for their account's activation. */
    jobsAwaitingActivation: (userId: number) => awaitingActivation(db, userId),
    /**
     * W-01: the client activated their account: each waiting job hears it (the `activated`
     * signal, idempotent) and enters the experts' queue. The ids of the jobs told.
     */
    async releaseActivated(userId: number): Promise<number[]> {
      const waiting = await awaitingActivation(db, userId);
      const released = await releaseQueued(deps, waiting);
      const told = [...released];
      for (const jobId of waiting) if ((await deps.workflows.job.activated(jobId)) && !released.includes(jobId)) told.push(jobId);
      return told;
    },
  };
}

export type Jobs = ReturnType<typeof createJobs>;
