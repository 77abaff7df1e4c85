/**
 * Notification settings (K-70, K-45): where each kind of notification reaches a user — the
 * notification centre, email, or both — and the categories whose new service requests a seller
 * wants to hear about. The routing itself happens in the database, as each notification is
 * inserted (the `notifications_route` triggers of migration 0017), whoever inserts it.
 */
import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { categories } from '../db/schema/catalog.js';
import { emailedByDefault, notificationKinds, notificationSettings, sellerRequestCategories, type NotificationKind } from '../db/schema/mail.js';
import { fieldError } from '../workflows/lib/errors.js';
import type { Clock } from './clock.js';

/** The kinds a user may route, in the order the settings page lists them. */
export const routableKinds = Object.keys(notificationKinds) as [NotificationKind, ...NotificationKind[]];

export interface KindSetting {
  kind: NotificationKind;
  /** What the settings page calls it. */
  label: string;
  inApp: boolean;
  email: boolean;
}

export interface NotificationSettingsView {
  kinds: KindSetting[];
  /** K-45: the categories whose new service requests the user hears about, by name. */
  requestCategories: { id: number; name: string }[];
}

export interface NotificationSettingsChange {
  /** The kinds to set; kinds left out keep their setting. One of the two must be true. */
  kinds?: { kind: NotificationKind; inApp: boolean; email: boolean }[];
  /** Replaces the whole set of request categories (K-45). */
  requestCategoryIds?: number[];
}

/** A kind's channels when the user never chose (K-70: a new order by email too). */
export function defaultChannels(kind: NotificationKind): { inApp: boolean; email: boolean } {
  return { inApp: true, email: emailedByDefault.includes(kind) };
}

export function createNotificationSettings({ db, clock }: { db: Db; clock: Clock }) {
  async function get(userId: number): Promise<NotificationSettingsView> {
    const chosen = await db.orm.select().from(notificationSettings).where(eq(notificationSettings.userId, userId));
    const byKind = new Map(chosen.map((row) => [row.kind, row]));
    const requestCategories = await db.orm
      .select({ id: categories.id, name: categories.name })
      .from(sellerRequestCategories)
      .innerJoin(categories, eq(categories.id, sellerRequestCategories.categoryId))
      .where(eq(sellerRequestCategories.userId, userId))
      .orderBy(asc(categories.position), asc(categories.id));
    return {
      kinds: routableKinds.map((kind) => {
        const row = byKind.get(kind);
        return { kind, label: notificationKinds[kind], ...(row ? { inApp: row.inApp, email: row.email } : defaultChannels(kind)) };
      }),
      requestCategories,
    };
  }

  async function update(userId: number, change: NotificationSettingsChange): Promise<NotificationSettingsView> {
    const silent = change.kinds?.findIndex((k) => !k.inApp && !k.email) ?? -1;
    if (silent >= 0) throw fieldError(`body.kinds.${silent}`, 'a notification kind needs at least one of in-app and email');
    const categoryIds = [...new Set(change.requestCategoryIds ?? [])];
    if (categoryIds.length > 0) {
      // An id beyond the column's integer range names no category: it is not sent to PostgreSQL, which would refuse it.
      const askable = categoryIds.filter((id) => Number.isInteger(id) && id >= 1 && id <= 2_147_483_647);
      const known = askable.length ? await db.orm.select({ id: categories.id }).from(categories).where(inArray(categories.id, askable)) : [];
      const unknown = categoryIds.filter((id) => !known.some((k) => k.id === id));
      if (unknown.length > 0) {
        // An id that names no category is invalid input (400), as in a request's or an offer's category.
        throw fieldError('body.requestCategoryIds', `no such category: ${unknown.join(', ')}`, 'invalid_input', { categoryIds: unknown });
      }
    }
    await db.orm.transaction(async (tx) => {
      for (const k of change.kinds ?? []) {
        await tx
          .insert(notificationSettings)
          .values({ userId, kind: k.kind, inApp: k.inApp, email: k.email, updatedAt: clock.now() })
          .onConflictDoUpdate({ target: [notificationSettings.userId, notificationSettings.kind], set: { inApp: k.inApp, email: k.email, updatedAt: clock.now() } });
      }
      if (change.requestCategoryIds) {
        await tx.delete(sellerRequestCategories).where(eq(sellerRequestCategories.userId, userId));
        if (categoryIds.length > 0) await tx.insert(sellerRequestCategories).values(categoryIds.map((categoryId) => ({ userId, categoryId })));
      }
    });
    return get(userId);
  }

  /** Every category a seller may pick (K-45), in catalogue order. */
  async function pickableCategories(): Promise<{ id: number; name: string; parentId: number | null }[]> {
    return db.orm.select({ id: categories.id, name: categories.name, parentId: categories.parentId }).from(categories).orderBy(asc(categories.position), asc(categories.id));
  }

  return { get, update, pickableCategories };
}

export type NotificationSettingsService = ReturnType<typeof createNotificationSettings>;
