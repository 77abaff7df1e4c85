/**
 * Estimated jobs (the WP Kraken model, W-01…W-19): the public "Order a Job" form and install
 * catalog, the client's jobs (open and Closed Jobs), the experts' queue, staff's list, and each
 * party's actions. Each job is the workflow `job-<id>`; its actions are Updates (an illegal one:
 * 409 with the reason; "Pay now" short of money: 422 `insufficient_funds` with the missing cents).
 * Talk goes through the job's conversation (`GET /jobs/{id}/conversation`, then
 * `POST /conversations/{id}/messages`); the invoice through `GET /invoices/{id}/pdf` (W-17).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Jobs } from '../../services/jobs.js';
import { attachmentRules } from '../../services/policy.js';
import { jobKinds, jobStatuses, urgencies } from '../../workflows/job/messages.js';
import { jobPolicy } from '../../workflows/job/policy.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { attachmentIdList, Cents, Email, errorResponses, Id, IdParam, idempotencyKeyHeader, json, jsonBody, Text } from '../schemas.js';
import { AttachmentInfo } from './attachments.js';

const Reason = Text(1, jobPolicy.maxTextChars);
const Instant = z.string().openapi({ description: 'ISO 8601' });
const User = z.object({ id: z.number().int(), username: z.string() });
const Actor = z.object({ role: z.enum(['client', 'expert', 'staff', 'system']), userId: z.number().int().optional() });

const summaryShape = {
  id: z.number().int(),
  kind: z.enum(jobKinds).openapi({ description: '`estimate`: an expert estimates it in hours (W-04); `install`: a fixed-price install from the catalog (W-06)' }),
  title: z.string(),
  urgency: z.enum(urgencies),
  status: z.enum(jobStatuses),
  client: User.openapi({ description: 'W-19: the username only, never the email' }),
  expert: User.nullable(),
  budgetCents: Cents.nullable().openapi({ description: 'W-05: the client’s budget' }),
  priceCents: Cents.nullable().openapi({ description: 'the install’s price, or the current estimate’s' }),
  paidCents: Cents,
  orderedAt: Instant,
  firstAnswerDueAt: Instant.nullable().openapi({ description: 'W-02: when the first expert answer is due (by urgency, in business hours)' }),
  firstAnsweredAt: Instant.nullable(),
  autoApproveAt: Instant.nullable().openapi({ description: 'W-13: approved automatically then unless the client acts' }),
  approvedAt: Instant.nullable(),
  closedAt: Instant.nullable(),
  reviewStars: z.number().int().nullable(),
  invoiceId: z.number().int().nullable().openapi({ description: 'W-17: the approved job’s invoice (client and staff only): `GET /invoices/{id}/pdf`' }),
};
const JobSummary = z.object(summaryShape).openapi('JobSummary');

const Estimate = z.object({
  number: z.number().int(),
  expertId: z.number().int(),
  quarterHours: z.number().int(),
  priceCents: Cents.openapi({ description: `W-04: hours × $${jobPolicy.hourlyRateCents / 100}` }),
  plan: z.string(),
  fitsBudget: z.boolean().nullable(),
  at: Instant,
  validUntil: Instant,
  rejectedReason: z.string().nullable(),
});

const JobViewSchema = z
  .object({
    jobId: z.number().int(),
    kind: z.enum(jobKinds),
    clientId: z.number().int(),
    clientUsername: z.string(),
    title: z.string(),
    urgency: z.enum(urgencies),
    budgetCents: Cents.nullable(),
    install: z.object({ installId: z.number().int(), name: z.string(), priceCents: Cents }).nullable(),
    status: z.enum(jobStatuses),
    expertId: z.number().int().nullable(),
    experts: z.array(z.object({ expertId: z.number().int(), from: Instant, until: Instant.nullable(), reason: z.string().nullable() })).openapi({ description: 'W-10: every expert the job has had' }),
    differentExpertAsked: z.object({ reason: z.string(), at: Instant }).nullable(),
    estimates: z.array(Estimate),
    escrowCents: Cents,
    paidCents: Cents,
    orderedAt: Instant,
    firstAnswerDueAt: Instant.nullable(),
    firstAnsweredAt: Instant.nullable(),
    paidAt: Instant.nullable(),
    deliveredAt: Instant.nullable(),
    lastClientActivityAt: Instant.nullable().openapi({ description: 'D-03: what the auto-approval counts from' }),
    autoApproveAt: Instant.nullable(),
    remindAt: Instant.nullable(),
    approvedAt: Instant.nullable(),
    approvedBy: z.enum(['client', 'auto']).nullable(),
    cancellation: z
      .object({
        reason: z.string(),
        requestedAt: Instant,
        workStarted: z.boolean(),
        decision: z.enum(['full', 'partial', 'none']).nullable(),
        refundCents: Cents.nullable(),
        decisionReason: z.string().nullable(),
        decidedAt: Instant.nullable(),
      })
      .nullable(),
    closedAt: Instant.nullable(),
    history: z.array(z.object({ at: Instant, kind: z.string(), actor: Actor, text: z.string() })),
    allowedActions: z.array(z.string()),
    policyVersion: z.number().int(),
  })
  .openapi('JobState');

/** One object (not `extend`, which the document would write as allOf): the contract is exact. */
const JobDetail = z
  .object({
    ...summaryShape,
    description: z.string(),
    siteUrl: z.string().nullable(),
    install: z.object({ id: z.number().int(), name: z.string(), priceCents: Cents }).nullable(),
    role: z.enum(['client', 'expert', 'former_expert', 'staff', 'queue']).openapi({ description: 'how the caller takes part; `queue`: an expert looking at an open job they may claim' }),
    attachments: z.array(AttachmentInfo).openapi({ description: 'W-03, W-19: the client’s files, for the job’s parties and staff; `GET /attachments/{id}`' }),
    conversationId: z.number().int().nullable().openapi({ description: 'W-09: the job’s conversation, for its parties and staff' }),
    clientInvoicing: z
      .object({ firstName: z.string(), lastName: z.string(), country: z.string(), companyName: z.string().nullable(), companyAddress: z.string().nullable(), taxId: z.string().nullable() })
      .nullable()
      .openapi({ description: 'W-19: the client’s invoicing data, for the job’s experts and staff' }),
    view: JobViewSchema.nullable().openapi({ description: 'the workflow’s state (a closed job’s last); null before its first write' }),
    review: z.object({ stars: z.number().int(), comment: z.string(), at: Instant }).nullable(),
    conversationResumedAt: Instant.nullable().openapi({ description: 'W-16: when the client resumed the closed job’s conversation' }),
    allowedActions: z.array(z.string()).openapi({ description: 'the workflow’s actions the caller may take now, and `message`, `review`, `resume`' }),
  })
  .openapi('Job');

const Order = z
  .strictObject({
    installId: Id.nullable().default(null).openapi({ description: 'W-06: a catalog install (`GET /job-installs`), paid at once without an estimate' }),
    title: Text(5, 120).nullable().default(null).openapi({ description: 'required for an estimated job; an install’s defaults to its name' }),
    description: Text(10, jobPolicy.maxTextChars),
    siteUrl: z
      .url({ protocol: /^https?$/ })
      .max(2_000)
      .nullable()
      .default(null)
      .openapi({ description: 'your site, http or https' }),
    urgency: z.enum(urgencies).openapi({ description: 'W-02: critical jobs go first; choose honestly' }),
    budgetCents: z.number().int().min(100).max(100_000_000).nullable().default(null).openapi({ description: 'W-05: optional, integer cents (not for installs)' }),
    attachmentIds: attachmentIdList(attachmentRules.perRequest)
      .default([])
      .openapi({ description: `W-03: up to ${attachmentRules.perRequest} of your own uploads (signed in)` }),
    email: Email.optional().openapi({ description: 'W-01: without a session, your email: an account is created (409 `email_taken` when one exists: sign in first)' }),
    username: z
      .string()
      .regex(/^[a-z0-9_]{3,30}$/)
      .optional()
      .openapi({ description: 'with `email`: the username you would like' }),
  })
  .openapi('JobOrder');

const Ordered = z
  .object({
    jobId: z.number().int(),
    status: z.enum(jobStatuses),
    accountCreated: z.boolean().openapi({ description: 'W-01: check your mail to verify the address and set a password; the job waits for it' }),
    replayed: z.boolean(),
  })
  .openapi('OrderedJob');

const Install = z.object({ id: z.number().int(), name: z.string(), description: z.string(), priceCents: Cents }).openapi('JobInstall');
const Items = z.object({ items: z.array(JobSummary) });
const detail = (description: string) => json(description, JobDetail);
const ReasonBody = z.strictObject({ reason: Reason });
const staff = access.staff('support', 'admin');
const experts = access.staff('expert');
const StaffQuery = z.strictObject({
  status: z.enum(jobStatuses).optional(),
  cancellationRequested: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  differentExpertAsked: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
const Decision = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('full'), reason: Reason }),
  z.strictObject({ decision: z.literal('partial'), refundCents: z.number().int().min(1).max(100_000_000), reason: Reason }),
  z.strictObject({ decision: z.literal('none'), reason: Reason }),
  z.strictObject({ decision: z.literal('refuse'), reason: Reason }),
]);

/** A client's action without a body. */
const clientAction = (path: string, summary: string) =>
  secured(access.owner, { method: 'post', path, tags: ['jobs'], summary, request: { params: IdParam }, responses: { 200: detail('The job now'), ...errorResponses(404, 409) } });

/** A client's action with a JSON body. */
function clientBodyAction<B extends z.ZodType>(path: string, summary: string, body: B, statuses: (404 | 409 | 422)[] = [404, 409]) {
  return secured(access.owner, {
    method: 'post',
    path,
    tags: ['jobs'],
    summary,
    request: { params: IdParam, ...jsonBody(body) },
    responses: { 200: detail('The job now'), ...errorResponses(...statuses) },
  });
}

const routes = {
  installs: secured(access.public, {
    method: 'get',
    path: '/job-installs',
    tags: ['jobs'],
    summary: 'W-06: the installation services, at fixed prices, cheapest first',
    responses: { 200: json('The catalog', z.object({ items: z.array(Install) })) },
  }),
  order: secured(access.public, {
    method: 'post',
    path: '/jobs',
    tags: ['jobs'],
    summary: 'Order a job (W-01…W-06): signed in, or with an email (an account is created and the job waits for its activation). Idempotency-Key required',
    description:
      'Signed in, a 503 can come after the job is ordered when Temporal could not take its workflow: retry with the same Idempotency-Key, which answers the job (200) and starts its workflow. Signed out, the job is answered all the same (a retry would meet the account the order made). Either way a worker starts a workflow left over within a minute.',
    request: { headers: z.object({ 'idempotency-key': idempotencyKeyHeader }), ...jsonBody(Order) },
    responses: { 201: json('Ordered', Ordered), 200: json('A retry of an earlier order', Ordered), ...errorResponses(401, 404, 409, 422) },
  }),
  mine: secured(access.user, {
    method: 'get',
    path: '/me/jobs',
    tags: ['jobs'],
    summary: 'W-16: the caller’s jobs as a client: open, and Closed Jobs (each approved one with its invoice, W-17)',
    responses: { 200: json('Jobs', z.object({ open: z.array(JobSummary), closed: z.array(JobSummary) })) },
  }),
  queue: secured(experts, {
    method: 'get',
    path: '/expert/queue',
    tags: ['jobs'],
    summary: 'W-02: open jobs nobody claimed, critical first then oldest, with the first answer’s due time (experts)',
    responses: { 200: json('The queue', Items), ...errorResponses(401, 403) },
  }),
  expertJobs: secured(experts, {
    method: 'get',
    path: '/expert/jobs',
    tags: ['jobs'],
    summary: 'The expert’s jobs: held now, and had before (W-10)',
    responses: { 200: json('Jobs', Items), ...errorResponses(401, 403) },
  }),
  staffList: secured(staff, {
    method: 'get',
    path: '/staff/jobs',
    tags: ['staff'],
    summary: 'Every job, newest first; by status, cancellations waiting for a refund decision (W-11), clients asking for another expert (W-10)',
    request: { query: StaffQuery },
    responses: { 200: json('Jobs', Items), ...errorResponses(401, 403) },
  }),
  get: secured(access.party('support', 'admin'), {
    method: 'get',
    path: '/jobs/{id}',
    tags: ['jobs'],
    summary: 'One job: its client, its experts, support and admins; experts see an open one in the queue (without its files)',
    request: { params: IdParam },
    responses: { 200: detail('The job'), ...errorResponses(404) },
  }),
  claim: secured(experts, {
    method: 'post',
    path: '/jobs/{id}/claim',
    tags: ['jobs'],
    summary: 'An expert takes an open job from the queue',
    request: { params: IdParam },
    responses: { 200: detail('Claimed'), ...errorResponses(401, 403, 404, 409) },
  }),
  estimate: secured(experts, {
    method: 'post',
    path: '/jobs/{id}/estimate',
    tags: ['jobs'],
    summary: `W-04, W-05: the job’s expert estimates it: hours (quarter hours) × $${jobPolicy.hourlyRateCents / 100}, a plan, and whether it fits the client’s budget`,
    request: {
      params: IdParam,
      ...jsonBody(
        z.strictObject({
          hours: z.number().multipleOf(0.25).min(0.25).max(jobPolicy.maxQuarterHours / 4).openapi({ multipleOf: 0.25 }),
          plan: Text(1, jobPolicy.maxTextChars),
          fitsBudget: z.boolean().nullable().default(null).openapi({ description: 'required (true/false) when the client gave a budget; null otherwise' }),
        }),
      ),
    },
    responses: { 200: detail('Estimated'), ...errorResponses(401, 403, 404, 409, 422) },
  }),
  deliver: secured(experts, {
    method: 'post',
    path: '/jobs/{id}/deliver',
    tags: ['jobs'],
    summary: 'The job’s expert says the work is done: the approval box and the auto-approval count start (W-12, W-13)',
    request: { params: IdParam, ...jsonBody(z.strictObject({ note: Text(1, jobPolicy.maxTextChars) })) },
    responses: { 200: detail('Delivered'), ...errorResponses(401, 403, 404, 409) },
  }),
  pay: clientBodyAction(
    '/jobs/{id}/pay',
    'W-07, W-08: “Pay now”: the estimate’s (or install’s) price moves from your balance into escrow. Short: 422 insufficient_funds with the missing cents; a stale estimate: 409',
    z.strictObject({ estimateNumber: z.number().int().min(0).max(1_000).openapi({ description: 'the estimate paid (an install’s is 0)' }) }),
    [404, 409, 422],
  ),
  rejectEstimate: clientBodyAction('/jobs/{id}/reject-estimate', 'W-11: reject the estimate with a reason; the expert may send a revised one', ReasonBody),
  differentExpert: clientBodyAction('/jobs/{id}/different-expert', 'W-10: ask for a different expert, with a reason; staff reassign', ReasonBody),
  cancel: clientBodyAction('/jobs/{id}/cancel', 'W-11: cancel with a reason: before payment it ends; after, staff decide the refund', ReasonBody),
  approve: clientAction('/jobs/{id}/approve', 'W-12: approve the job: escrow released, the invoice issued (W-14), the review enabled'),
  review: clientBodyAction(
    '/jobs/{id}/review',
    'W-15: review an approved job once: 1–5 stars and a comment',
    z.strictObject({ stars: z.number().int().min(1).max(5), comment: Text(1, jobPolicy.maxTextChars) }),
  ),
  resume: clientAction('/jobs/{id}/resume-conversation', 'W-16: “Resume conversation” on a closed job: talk reopens, money stays closed'),
  reassign: secured(staff, {
    method: 'post',
    path: '/staff/jobs/{id}/reassign',
    tags: ['staff'],
    summary: 'W-10: give the job to another expert; the history keeps both',
    description: 'Not by staff who are the job’s client or expert (403): another staff member decides.',
    request: { params: IdParam, ...jsonBody(z.strictObject({ expertId: Id, note: Text(1, jobPolicy.maxTextChars) })) },
    responses: { 200: detail('Reassigned'), ...errorResponses(401, 403, 404, 409, 422) },
  }),
  decideCancellation: secured(staff, {
    method: 'post',
    path: '/staff/jobs/{id}/cancellation-decision',
    tags: ['staff'],
    summary: 'W-08, W-11: the refund of a paid job the client asked to cancel: full (only this before work started), partial, none, or refuse the cancellation',
    description: 'Not by staff who are the job’s client or expert (403): another staff member decides.',
    request: { params: IdParam, ...jsonBody(Decision) },
    responses: { 200: detail('Decided'), ...errorResponses(401, 403, 404, 409, 422) },
  }),
};

/** Typed as a plain router, like accountRoutes: nothing reads the chain's inferred route types. */
export function jobRoutes({ jobs }: { jobs: Jobs }): OpenAPIHono<AppEnv> {
  const id = (c: { req: { valid(target: 'param'): { id: number } } }) => c.req.valid('param').id;
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.installs, async (c) => c.json({ items: await jobs.installs() }, 200))
    .openapi(routes.order, async (c) => {
      const ordered = await jobs.order(c.var.user, c.req.valid('json'), c.req.valid('header')['idempotency-key']);
      return ordered.replayed ? c.json(ordered, 200) : c.json(ordered, 201);
    })
    .openapi(routes.mine, async (c) => c.json(await jobs.mine(callerOf(c).id), 200))
    .openapi(routes.queue, async (c) => c.json({ items: await jobs.queue() }, 200))
    .openapi(routes.expertJobs, async (c) => c.json({ items: await jobs.mineAsExpert(callerOf(c).id) }, 200))
    .openapi(routes.staffList, async (c) => c.json({ items: await jobs.staffList(c.req.valid('query')) }, 200))
    .openapi(routes.get, async (c) => c.json(await jobs.get(callerOf(c), id(c)), 200))
    .openapi(routes.claim, async (c) => c.json(await jobs.claim(callerOf(c), id(c)), 200))
    .openapi(routes.estimate, async (c) => c.json(await jobs.estimate(callerOf(c), id(c), c.req.valid('json')), 200))
    .openapi(routes.deliver, async (c) => c.json(await jobs.deliver(callerOf(c), id(c), c.req.valid('json').note), 200))
    .openapi(routes.pay, async (c) => c.json(await jobs.pay(callerOf(c), id(c), c.req.valid('json').estimateNumber), 200))
    .openapi(routes.rejectEstimate, async (c) => c.json(await jobs.rejectEstimate(callerOf(c), id(c), c.req.valid('json').reason), 200))
    .openapi(routes.differentExpert, async (c) => c.json(await jobs.askDifferentExpert(callerOf(c), id(c), c.req.valid('json').reason), 200))
    .openapi(routes.cancel, async (c) => c.json(await jobs.cancel(callerOf(c), id(c), c.req.valid('json').reason), 200))
    .openapi(routes.approve, async (c) => c.json(await jobs.approve(callerOf(c), id(c)), 200))
    .openapi(routes.review, async (c) => c.json(await jobs.review(callerOf(c), id(c), c.req.valid('json')), 200))
    .openapi(routes.resume, async (c) => c.json(await jobs.resume(callerOf(c), id(c)), 200))
    .openapi(routes.reassign, async (c) => c.json(await jobs.reassign(callerOf(c), id(c), c.req.valid('json')), 200))
    .openapi(routes.decideCancellation, async (c) => c.json(await jobs.decideCancellation(callerOf(c), id(c), c.req.valid('json')), 200));
}
