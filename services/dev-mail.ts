/** The mail outbox as development shows it (`GET /dev/outbox`): confirmation codes appear here. */
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { outbox } from '../db/schema/users.js';

/** The newest 100 messages, to one address or to anyone. */
export async function outboxMail(db: Db, to?: string) {
  const rows = await db.orm
    .select()
    .from(outbox)
    .where(to ? eq(outbox.toAddress, to.toLowerCase()) : undefined)
    .orderBy(desc(outbox.id))
    .limit(100);
  return rows.map((r) => ({ id: r.id, kind: r.kind, to: r.toAddress, subject: r.subject, body: r.body, createdAt: r.createdAt.toISOString(), sentAt: r.sentAt?.toISOString() ?? null }));
}
