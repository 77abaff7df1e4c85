/**
 * Email (K-70, K-45): the caller's notification settings (in the app, by email, or both, per
 * kind; the categories whose new requests a seller hears about), and for support the mail the
 * outbox gave up on.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { FailedMailService } from '../../services/failed-mail.js';
import { routableKinds, type NotificationSettingsService } from '../../services/notification-settings.js';
import { access, callerOf, secured } from '../auth.js';
import type { AppEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json, jsonBody } from '../schemas.js';

const Kind = z.enum(routableKinds).openapi({ example: 'order_placed' });

const NotificationSettings = z
  .object({
    kinds: z.array(z.object({ kind: Kind, label: z.string(), inApp: z.boolean(), email: z.boolean() })),
    requestCategories: z.array(z.object({ id: z.number().int(), name: z.string() })).openapi({ description: 'K-45: the categories whose new service requests I hear about' }),
  })
  .openapi('NotificationSettings');

const NotificationSettingsChange = z.strictObject({
  kinds: z
    .array(
      z
        .strictObject({ kind: Kind, inApp: z.boolean(), email: z.boolean() })
        .refine((k) => k.inApp || k.email, 'choose in-app, email or both')
        .openapi({ not: { properties: { inApp: { const: false }, email: { const: false } } }, description: 'in-app, email or both: not neither' }),
    )
    .max(routableKinds.length)
    .optional()
    .openapi({ description: 'the kinds to set; kinds left out keep their setting' }),
  requestCategoryIds: z.array(z.number().int().min(1).max(2_147_483_647)).max(200).optional().openapi({ description: 'replaces the whole set (K-45)' }),
});

const FailedMail = z
  .object({ id: z.number().int(), kind: z.string(), to: z.string(), subject: z.string(), attempts: z.number().int(), lastError: z.string().nullable(), createdAt: z.string() })
  .openapi('FailedMail');

const routes = {
  get: secured(access.user, {
    method: 'get',
    path: '/me/notification-settings',
    tags: ['accounts'],
    summary: 'Where each kind of notification reaches me (in the app, by email, or both), and the categories whose new requests I hear about',
    responses: { 200: json('The settings', NotificationSettings) },
  }),
  put: secured(access.user, {
    method: 'put',
    path: '/me/notification-settings',
    tags: ['accounts'],
    summary: 'Route notification kinds to the app, email or both (K-70); choose the categories whose new requests I hear about (K-45)',
    request: jsonBody(NotificationSettingsChange),
    responses: { 200: json('The settings', NotificationSettings) },
  }),
  failed: secured(access.staff('support', 'admin'), {
    method: 'get',
    path: '/staff/outbox/failed',
    tags: ['staff'],
    summary: 'Email the outbox gave up on after its last attempt, newest first (100 at most)',
    responses: { 200: json('The messages', z.object({ items: z.array(FailedMail) })), ...errorResponses(401, 403) },
  }),
};

export function mailRoutes({ notificationSettings, failedMail }: { notificationSettings: NotificationSettingsService; failedMail: FailedMailService }) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.get, async (c) => c.json(await notificationSettings.get(callerOf(c).id), 200))
    .openapi(routes.put, async (c) => c.json(await notificationSettings.update(callerOf(c).id, c.req.valid('json')), 200))
    .openapi(routes.failed, async (c) => c.json({ items: await failedMail() }, 200));
}
