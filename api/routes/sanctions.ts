/**
 * Sanctions (K-58…K-65): a user reads their own standing (why and until when) and reports a
 * user, an offer, a feedback or a message; staff read the reports' queue and resolve them, see everyone
 * blocked now, sanction a user and lift a block early. Each user's standing is the workflow
 * `standing-<userId>`.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Sanctions } from '../../services/sanctions.js';
import { staffKinds, violationKinds } from '../../workflows/standing/messages.js';
import { standingRules } from '../../workflows/standing/policy.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, Id, IdParam, json, jsonBody, Text } from '../schemas.js';

const Reason = Text(1, 500);
const BlockShape = z.object({ until: z.string().openapi({ description: 'ISO 8601: the block lifts by itself then' }), reason: z.string() });

const Standing = z
  .object({
    userId: z.number().int(),
    level: z.enum(['account_blocked', 'offers_blocked', 'warned', 'clear']),
    offersBlock: BlockShape.nullable().openapi({ description: 'K-64, K-65: the offers are out of search and take no orders until then' }),
    accountBlock: BlockShape.nullable().openapi({ description: 'K-60, K-61, K-65: every call but this one and sign-out answers 403 `account_blocked` until then' }),
    history: z.array(
      z.object({
        seq: z.number().int(),
        at: z.string(),
        action: z.enum(['warning', 'offers_block', 'account_block', 'offers_lifted', 'account_lifted']),
        kind: z.string().nullable(),
        reason: z.string(),
        until: z.string().nullable(),
      }),
    ),
  })
  .openapi('Standing');

const WorkflowBlock = z.object({ until: z.string(), reason: z.string(), kind: z.enum(violationKinds), seq: z.number().int() });
const StandingView = z
  .object({
    userId: z.number().int(),
    offersBlock: WorkflowBlock.nullable(),
    accountBlock: WorkflowBlock.nullable(),
    sanction: z.enum(['account_blocked', 'offers_blocked', 'warned', 'clear']),
    counts: z.record(z.string(), z.number().int()).openapi({ description: 'violations per kind within the repeat window (180 days): repeats double blocks (K-65)' }),
    history: z.array(
      z.object({
        at: z.string(),
        seq: z.number().int(),
        action: z.enum(['warning', 'offers_block', 'account_block', 'offers_lifted', 'account_lifted']),
        kind: z.enum(violationKinds).nullable(),
        reason: z.string(),
        until: z.string().nullable(),
        staffId: z.number().int().nullable(),
      }),
    ),
  })
  .openapi('StandingView');

const Subject = z.enum(['user', 'offer', 'feedback', 'message']);
const Report = z
  .object({
    id: z.number().int(),
    reporterId: z.number().int().nullable().openapi({ description: 'null: the off-platform scan of messages queued it (K-61, K-62; reason `off_platform_scan (…)`)' }),
    subject: Subject,
    subjectId: z.number().int(),
    accusedId: z.number().int().openapi({ description: 'whom the report is about: the user, the offer’s seller, the feedback’s author, the message’s writer' }),
    reason: z.string(),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
    resolution: z.string().nullable(),
  })
  .openapi('Report');

const BlockedUser = z
  .object({
    userId: z.number().int(),
    login: z.string(),
    level: z.string(),
    offersBlockedUntil: z.string().nullable(),
    accountBlockedUntil: z.string().nullable(),
    reason: z.string().nullable(),
    workflowId: z.string().openapi({ description: 'the standing’s workflow (Temporal UI: `GigflowBlockedUntil > now`)' }),
    handedOver: z.array(z.number().int()).openapi({ description: 'open orders the account block handed to support' }),
  })
  .openapi('BlockedUser');

/** K-65: the kinds staff give for a number of days; every other kind follows its rule's ladder. */
const blockKinds = ['staff_offers_block', 'staff_account_block'] as const;
type LadderKind = Exclude<(typeof staffKinds)[number], (typeof blockKinds)[number]>;
const ladderKinds = staffKinds.filter((kind): kind is LadderKind => !(blockKinds as readonly string[]).includes(kind)) as [LadderKind, ...LadderKind[]];

/**
 * A staff sanction as the API takes it, one shape a kind: a block (K-65) with its `days`, which
 * it needs, and any other kind without them (its rule's ladder decides), so that the document
 * says what the standing workflow's validator refuses.
 */
const sanctionBody = <R extends z.ZodType>(reason: R) =>
  z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.enum(blockKinds).openapi({ description: 'K-65: a block of the offers or of the account, as long as staff choose' }),
      reason,
      days: z.number().int().min(1).max(standingRules.maxStaffDays).openapi({ description: 'how long the block lasts' }),
    }),
    z.strictObject({
      kind: z.enum(ladderKinds).openapi({ description: 'K-58 rudeness, K-60 spam, K-61 off_platform_buyer/off_platform_seller, K-62 financial_terms, K-65 staff_warning: the rule’s ladder decides the sanction' }),
      reason,
    }),
  ]);
const SanctionBody = sanctionBody(Reason.openapi({ description: 'what the user reads' }));

const support = access.staff('support', 'admin');

const routes = {
  mine: secured(access.user, {
    method: 'get',
    path: '/me/standing',
    tags: ['sanctions'],
    summary: 'The caller’s standing: running blocks, why and until when, and the latest sanctions (answered even while the account is blocked)',
    responses: { 200: json('The standing', Standing) },
  }),
  report: secured(access.user, {
    method: 'post',
    path: '/reports',
    tags: ['sanctions'],
    summary: 'Report a user, an offer, a feedback or a message (spam, rudeness) to staff, with a reason; one open report per subject',
    request: { ...jsonBody(z.strictObject({ subject: Subject, subjectId: Id, reason: Reason })) },
    responses: { 201: json('Queued for staff', Report), ...errorResponses(404, 409, 422) },
  }),
  queue: secured(support, {
    method: 'get',
    path: '/staff/reports',
    tags: ['staff'],
    summary: 'Open reports, oldest first',
    responses: { 200: json('Reports', z.object({ items: z.array(Report) })), ...errorResponses(401, 403) },
  }),
  resolve: secured(support, {
    method: 'post',
    path: '/staff/reports/{id}/resolve',
    tags: ['staff'],
    summary: 'Resolve a report, optionally sanctioning whom it is about (counted once per report)',
    request: {
      params: IdParam,
      ...jsonBody(z.strictObject({ resolution: Reason, sanction: sanctionBody(Reason.optional().openapi({ description: 'what the user reads (the resolution, if none)' })).optional() })),
    },
    responses: { 200: json('Resolved', z.object({ report: Report, standing: StandingView.nullable() })), ...errorResponses(401, 403, 404, 409, 422) },
  }),
  blocked: secured(support, {
    method: 'get',
    path: '/staff/standings',
    tags: ['staff'],
    summary: 'Everyone blocked now (offers or account), the latest end first',
    responses: { 200: json('Blocked users', z.object({ items: z.array(BlockedUser) })), ...errorResponses(401, 403) },
  }),
  sanction: secured(support, {
    method: 'post',
    path: '/staff/users/{id}/sanctions',
    tags: ['staff'],
    summary: 'Sanction a user (K-58…K-62, K-65): a warning or a block by the rule’s ladder, or staff’s own days; repeats double',
    request: { params: IdParam, ...jsonBody(SanctionBody) },
    responses: { 200: json('The standing once the sanction is written', StandingView), ...errorResponses(401, 403, 404, 422) },
  }),
  lift: secured(support, {
    method: 'post',
    path: '/staff/users/{id}/sanctions/lift',
    tags: ['staff'],
    summary: 'Lift a block early (K-65), with a reason the user reads; 409 when no such block runs',
    request: { params: IdParam, ...jsonBody(z.strictObject({ block: z.enum(['offers', 'account', 'all']), reason: Reason })) },
    responses: { 200: json('The standing once lifted', StandingView), ...errorResponses(401, 403, 404, 409) },
  }),
};

/** Typed as a plain router, like accountRoutes: nothing reads the chain's inferred route types. */
export function sanctionRoutes({ sanctions }: { sanctions: Sanctions }): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.mine, async (c) => c.json(await sanctions.standing(callerOf(c).id), 200))
    .openapi(routes.report, async (c) => c.json(await sanctions.report(callerOf(c).id, c.req.valid('json')), 201))
    .openapi(routes.queue, async (c) => c.json({ items: await sanctions.queue() }, 200))
    .openapi(routes.resolve, async (c) => {
      const { resolution, sanction } = c.req.valid('json');
      const input = sanction === undefined ? { resolution } : { resolution, sanction: { kind: sanction.kind, ...(sanction.reason === undefined ? {} : { reason: sanction.reason }), ...('days' in sanction ? { days: sanction.days } : {}) } };
      return c.json(await sanctions.resolve(callerOf(c).id, c.req.valid('param').id, input), 200);
    })
    .openapi(routes.blocked, async (c) => c.json({ items: await sanctions.blockedNow() }, 200))
    .openapi(routes.sanction, async (c) => {
      const body = c.req.valid('json');
      return c.json(await sanctions.sanction(callerOf(c).id, c.req.valid('param').id, { kind: body.kind, reason: body.reason, ...('days' in body ? { days: body.days } : {}) }), 200);
    })
    .openapi(routes.lift, async (c) => c.json(await sanctions.lift(callerOf(c).id, c.req.valid('param').id, c.req.valid('json')), 200));
}
