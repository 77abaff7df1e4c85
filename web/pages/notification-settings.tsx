/**
 * Notification settings (K-70, K-45): for each kind of notification, in the app, by email or
 * both; and, for sellers, the categories whose new service requests they hear about.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { routableKinds, type NotificationSettingsView } from '../../services/notification-settings.js';
import type { WebDeps, WebEnv } from '../context.js';
import { ids, parseForm, readForm, refusalOf, type FormData } from '../forms.js';
import { page, redirect, userOf, type WebContext } from '../page.js';
import { FieldError, Form, Select, type FieldErrors } from '../ui.js';

const channels = [
  ['in_app', 'In the app'],
  ['email', 'By email'],
  ['both', 'In the app and by email'],
] as const satisfies [string, string][];
type Channel = (typeof channels)[number][0];
const channel = z.enum(['in_app', 'email', 'both'], { error: 'choose in the app, by email or both' });

const Settings = z.object({
  ...Object.fromEntries(routableKinds.map((kind) => [`kind_${kind}`, channel])),
  category: ids,
}) as z.ZodType<Record<`kind_${string}`, Channel> & { category: number[] }>;

const channelOf = (k: { inApp: boolean; email: boolean }): Channel => (k.inApp && k.email ? 'both' : k.email ? 'email' : 'in_app');

export function notificationSettingsPages(deps: WebDeps) {
  const app = new Hono<WebEnv>();
  const { notificationSettings } = deps.services;
  const settingsPage = async (c: WebContext, errors: FieldErrors, form: FormData | undefined, status: 200 | 400 | 422 = 200, error?: string) => {
    const current: NotificationSettingsView = await notificationSettings.get(userOf(c).id);
    const sent = form ? ids.safeParse(form.category) : undefined;
    const picked = new Set(sent ? (sent.success ? sent.data : []) : current.requestCategories.map((x) => x.id));
    const categories = await notificationSettings.pickableCategories();
    return page(
      c,
      deps,
      'Notification settings',
      (v) => (
        <Form action="/settings/notifications" csrf={v.csrf} error={error} label="notification settings">
          <h2>Where each notification reaches me</h2>
          {current.kinds.map((k) => (
            <Select name={`kind_${k.kind}`} label={k.label} value={form ? String(form[`kind_${k.kind}`] ?? '') : channelOf(k)} errors={errors} options={[...channels]} />
          ))}
          <h2>New requests I hear about (sellers)</h2>
          <fieldset id="request-categories" aria-describedby={errors.category ? 'f-category-error' : undefined}>
            <legend>Categories</legend>
            <FieldError id="f-category-error" error={errors.category} />
            {categories.map((cat) => (
              <label class={cat.parentId === null ? 'category-root' : 'category-child'}>
                <input type="checkbox" name="category" value={String(cat.id)} checked={picked.has(cat.id)} aria-invalid={errors.category ? 'true' : undefined} /> {cat.name}
              </label>
            ))}
          </fieldset>
          <button type="submit">Save</button>
        </Form>
      ),
      status,
    );
  };
  app.get('/settings/notifications', (c) => settingsPage(c, {}, undefined));
  app.post('/settings/notifications', async (c) => {
    const user = userOf(c);
    const form = await readForm(c);
    const parsed = parseForm(Settings, form);
    if (!parsed.ok) return settingsPage(c, parsed.errors, form, 400);
    const kinds = routableKinds.map((kind) => {
      const chosen = parsed.data[`kind_${kind}`]!;
      return { kind, inApp: chosen !== 'email', email: chosen !== 'in_app' };
    });
    try {
      await notificationSettings.update(user.id, { kinds, requestCategoryIds: parsed.data.category });
    } catch (err) {
      const refusal = refusalOf(err);
      return settingsPage(c, refusal.errors, form, refusal.status === 422 ? 422 : 400, refusal.message);
    }
    return redirect(c, '/settings/notifications', 'Saved.');
  });
  return app;
}
