/**
 * The notification centre (K-70): what each transition of a user's orders told them, newest
 * first, with the unread count. A placement writes the seller's `order_placed`
 * (services/placement.ts), the order workflow's writes every later one; the API reads them and
 * marks them read.
 */
import { and, desc, eq, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { notifications } from '../db/schema/orders.js';
import type { Clock } from './clock.js';

export interface NotificationItem {
  id: number;
  orderId: number | null;
  /** The web client's page it is about (`/orders/8`, `/jobs/3`, `/standing`…; `notification_path`, migration 0034), which its mail links to too. */
  page: string;
  kind: string;
  text: string;
  createdAt: string;
  read: boolean;
}

export function createNotifications({ db, clock }: { db: Db; clock: Clock }) {
  async function unreadCount(userId: number): Promise<number> {
    const [{ unread }] = (await db.orm
      .select({ unread: sql<number>`count(*)::int` })
      .from(notifications)
      .where(and(eq(notifications.userId, userId), eq(notifications.inApp, true), isNull(notifications.readAt)))) as [{ unread: number }];
    return unread;
  }

  return {
    /** How many of the user's notifications are unread (the header's badge). */
    unreadCount,

    /** A page of the user's notifications, newest first, with a keyset cursor. */
    async list(userId: number, q: { unreadOnly: boolean; cursor?: number; limit: number }) {
      // A kind the user routed to email only (K-70) is not shown here.
      const conditions: SQL[] = [eq(notifications.userId, userId), eq(notifications.inApp, true)];
      if (q.unreadOnly) conditions.push(isNull(notifications.readAt));
      if (q.cursor) conditions.push(lt(notifications.id, q.cursor));
      const rows = await db.orm
        .select({ n: notifications, page: sql<string>`notification_path(${notifications.orderId}, ${notifications.dedupeKey})` })
        .from(notifications)
        .where(and(...conditions))
        .orderBy(desc(notifications.id))
        .limit(q.limit + 1);
      const unread = await unreadCount(userId);
      const items = rows.slice(0, q.limit).map(({ n, page }): NotificationItem => ({
        id: n.id,
        orderId: n.orderId,
        page,
        kind: n.kind,
        text: n.text,
        createdAt: n.createdAt.toISOString(),
        read: n.readAt !== null,
      }));
      return { items, unreadCount: unread, nextCursor: rows.length > q.limit ? String(items[items.length - 1]!.id) : null };
    },

    /** Marks the given notifications (or all) read; returns the unread count left. */
    async markRead(userId: number, ids: number[] | 'all'): Promise<{ unreadCount: number }> {
      const mine = and(eq(notifications.userId, userId), isNull(notifications.readAt));
      await db.orm
        .update(notifications)
        .set({ readAt: clock.now() })
        .where(ids === 'all' ? mine : and(mine, inArray(notifications.id, ids)));
      return { unreadCount: await unreadCount(userId) };
    },
  };
}

export type Notifications = ReturnType<typeof createNotifications>;
