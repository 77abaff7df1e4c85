/**
 * The caller's data and the end of their account: the data export (W-19, EU law) and closing
 * the account with a reason (W-20), which staff complete.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AccountClosures } from '../../services/account-closures.js';
import type { DataExport } from '../../services/data-export.js';
import { accountRules } from '../../services/policy.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, IdParam, json, jsonBody, orNull, Text } from '../schemas.js';

const ClosureRequest = z
  .object({
    id: z.number().int(),
    reason: z.string(),
    requestedAt: z.string(),
    status: z.literal('pending'),
  })
  .openapi('ClosureRequest');
const Blocker = z.object({
  kind: z.string().openapi({ description: '`open_orders`, `escrow`, `balance`, `pending_withdrawals`, `pending_top_ups`, `open_individual_offers`, `open_requests`, `offers_in_moderation`' }),
  count: z.number().int(),
  message: z.string(),
});
const StaffClosure = z
  .object({
    id: z.number().int(),
    userId: z.number().int(),
    login: z.string(),
    email: z.string(),
    reason: z.string(),
    requestedAt: z.string(),
    blockers: z.array(Blocker).openapi({ description: 'what keeps it from being completed now; empty: it can be' }),
  })
  .openapi('StaffClosure');

const support = access.staff('support', 'admin');
const routes = {
  exportData: secured(access.user, {
    method: 'get',
    path: '/me/export',
    tags: ['accounts'],
    summary: 'W-19: everything gigflow holds about the caller, as one JSON file (`gigflow-export-<id>.json`), one section per kind of record',
    responses: { 200: json('The export: `exportedAt`, `userId`, then the sections', z.record(z.string(), z.unknown())) },
  }),
  requestClosure: secured(access.user, {
    method: 'post',
    path: '/me/closure',
    tags: ['accounts'],
    summary: 'W-20: ask to close the account, with a reason; staff complete it, erasing the personal data and keeping what accounting law requires',
    request: jsonBody(z.strictObject({ reason: Text(1, accountRules.closureReasonMaxLength) })),
    responses: { 201: json('The pending request', ClosureRequest), ...errorResponses(409) },
  }),
  pendingClosure: secured(access.user, {
    method: 'get',
    path: '/me/closure',
    tags: ['accounts'],
    summary: 'W-20: the pending request to close the account, or null',
    responses: { 200: json('The pending request, or null', orNull(ClosureRequest)) },
  }),
  withdrawClosure: secured(access.user, {
    method: 'delete',
    path: '/me/closure',
    tags: ['accounts'],
    summary: 'W-20: withdraw the pending request to close the account',
    responses: { 204: { description: 'Withdrawn: the account stays' }, ...errorResponses(404) },
  }),
  listClosures: secured(support, {
    method: 'get',
    path: '/staff/closures',
    tags: ['staff'],
    summary: 'W-20: pending requests to close an account, the oldest first, with what blocks each now',
    responses: { 200: json('The pending requests', z.object({ items: z.array(StaffClosure) })) },
  }),
  completeClosure: secured(support, {
    method: 'post',
    path: '/staff/closures/{id}/complete',
    tags: ['staff'],
    summary: 'W-20: complete a closure: refused while the user has money in play (409 with `details.blockers`); erases the personal data, keeps the ledger and issued invoices',
    request: { params: IdParam },
    responses: {
      200: json('Completed: the account is erased and can no longer sign in', z.object({ userId: z.number().int(), completedAt: z.string() })),
      ...errorResponses(404, 409),
    },
  }),
};

export function privacyRoutes({ accountClosures, dataExport }: { accountClosures: AccountClosures; dataExport: DataExport }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.exportData, async (c) => {
      const { id } = callerOf(c);
      c.header('Content-Disposition', `attachment; filename="gigflow-export-${id}.json"`);
      c.header('Cache-Control', 'no-store');
      return c.json(await dataExport.forUser(id), 200);
    })
    .openapi(routes.requestClosure, async (c) => c.json(await accountClosures.request(callerOf(c).id, c.req.valid('json').reason), 201))
    .openapi(routes.pendingClosure, async (c) => c.json(await accountClosures.pending(callerOf(c).id), 200))
    .openapi(routes.withdrawClosure, async (c) => {
      await accountClosures.withdraw(callerOf(c).id);
      return c.body(null, 204);
    })
    .openapi(routes.listClosures, async (c) => c.json({ items: await accountClosures.list() }, 200))
    .openapi(routes.completeClosure, async (c) => c.json(await accountClosures.complete(Number(c.req.valid('param').id), callerOf(c).id), 200));
}
