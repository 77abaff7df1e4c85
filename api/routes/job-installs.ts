/**
 * W-06: staff's catalog of fixed-price installs (support and admins): every install with how
 * many jobs were ordered with it, a new one, and a change of price or description, or retiring
 * it (`active: false`) and offering it again. Jobs keep the price they were ordered at; a retired
 * install leaves the public catalog (`GET /job-installs`) and cannot be ordered.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { installRules, type JobInstalls } from '../../services/job-installs.js';
import { access, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, IdParam, json, jsonBody, Text } from '../schemas.js';

const staff = access.staff('support', 'admin');
const Price = z
  .number()
  .int()
  .min(installRules.minPriceCents)
  .max(installRules.maxPriceCents)
  .openapi({ description: `integer cents, $${installRules.minPriceCents / 100} to $${installRules.maxPriceCents / 100}: the client pays it at once (W-06)`, example: 9_900 });
const Description = Text(1, installRules.descriptionMaxChars);

const StaffInstall = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    priceCents: z.number().int(),
    active: z.boolean().openapi({ description: 'false: retired, not orderable; its jobs keep it' }),
    createdAt: z.string(),
    jobs: z.number().int().openapi({ description: 'jobs ordered with it (they keep the price they were ordered at)' }),
  })
  .openapi('StaffJobInstall');

const NewInstall = z
  .strictObject({ name: Text(1, installRules.nameMaxChars), description: Description, priceCents: Price })
  .openapi('NewJobInstall');

const InstallChange = z
  .strictObject({
    priceCents: Price.optional(),
    description: Description.optional(),
    active: z.boolean().optional().openapi({ description: '`false` retires it, `true` offers it again' }),
  })
  .refine((c) => c.priceCents !== undefined || c.description !== undefined || c.active !== undefined, { message: 'change at least one of priceCents, description, active' })
  .openapi('JobInstallChange', { minProperties: 1 });

const routes = {
  list: secured(staff, {
    method: 'get',
    path: '/staff/job-installs',
    tags: ['staff'],
    summary: 'W-06: every install of the catalog, retired ones included (support, admin)',
    responses: { 200: json('Offered first, then by price', z.object({ items: z.array(StaffInstall) })), ...errorResponses(401, 403) },
  }),
  add: secured(staff, {
    method: 'post',
    path: '/staff/job-installs',
    tags: ['staff'],
    summary: 'W-06: add an install at a fixed price, orderable at once (support, admin)',
    request: jsonBody(NewInstall),
    responses: { 201: json('The install', StaffInstall), ...errorResponses(401, 403) },
  }),
  change: secured(staff, {
    method: 'patch',
    path: '/staff/job-installs/{id}',
    tags: ['staff'],
    summary: 'W-06: change an install’s price or description (for orders from now on), retire it or offer it again (support, admin)',
    request: { params: IdParam, ...jsonBody(InstallChange) },
    responses: { 200: json('The install now', StaffInstall), ...errorResponses(401, 403, 404) },
  }),
};

export function jobInstallRoutes({ jobInstalls }: { jobInstalls: JobInstalls }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.list, async (c) => c.json({ items: await jobInstalls.all() }, 200))
    .openapi(routes.add, async (c) => c.json(await jobInstalls.add(c.req.valid('json')), 201))
    .openapi(routes.change, async (c) => c.json(await jobInstalls.change(c.req.valid('param').id, c.req.valid('json')), 200));
}
