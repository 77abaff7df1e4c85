/**
 * Email goes through the outbox: a row written in the same transaction as the event that
 * causes it (so a rolled-back request sends nothing), then handed to a mail adapter by the
 * dispatcher: over SMTP (`db/smtp-mail.ts`) when SMTP_URL is set — `npm start` runs a local
 * mail catcher for it — else to the log. The dev-only `GET /dev/outbox` reads the rows.
 */
import { and, desc, gte, isNull } from 'drizzle-orm';
import type { Logger } from 'pino';
import type postgres from 'postgres';
import { drainUntilAborted } from './batches.js';
import type { Db } from './client.js';
import { outbox } from './schema/users.js';
import type { Tx } from './tx.js';
import { formatInstant, instantsIn } from '../workflows/lib/zoned-time.js';

export interface MailMessage {
  kind: string;
  to: string;
  subject: string;
  body: string;
}

/** Where mail leaves gigflow: SMTP (`smtpMailAdapter`), or the log when no SMTP server is configured. */
export interface MailAdapter {
  send(message: MailMessage): Promise<void>;
}

export function logMailAdapter(logger: Logger): MailAdapter {
  return {
    async send(message) {
      logger.info({ mail: message }, `mail to ${message.to}: ${message.subject}`);
    },
  };
}

/** Queues a message in the caller's transaction. */
export async function enqueueMail(tx: Tx, message: MailMessage): Promise<void> {
  await tx.insert(outbox).values({ kind: message.kind, toAddress: message.to, subject: message.subject, body: message.body });
}

/** The same, in a postgres.js transaction (where a ledger operation shares it). */
export async function enqueueMailIn(tx: postgres.TransactionSql, message: MailMessage): Promise<void> {
  await tx`insert into outbox (kind, to_address, subject, body) values (${message.kind}, ${message.to}, ${message.subject}, ${message.body})`;
}

/** A message that failed this many times stays in the outbox for staff to look at (`GET /staff/outbox/failed`). */
export const MAX_ATTEMPTS = 10;

/** How long a failed message waits before its next try: doubling from `baseMs`, never over `capMs`. */
export interface Backoff {
  baseMs: number;
  capMs: number;
}

/** 30 s, 1 min, 2 min… up to an hour: ten attempts span about five hours. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 30_000, capMs: 3_600_000 };

/** The wait after the `attempts`-th failure (1 for the first). */
export function backoffMs(attempts: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Sends what the outbox holds and is due, oldest first: up to `batch` rows claimed at once with
 * SKIP LOCKED, so several dispatchers (one per worker) never send a message twice, and marked
 * sent together (one transaction a round, not one a message). A failure ends the round (the
 * mail server is likely down) and puts that message off by its backoff; after MAX_ATTEMPTS
 * failures it is no longer tried. Returns how many were sent. Delivery is at least once: a crash
 * after a send and before the commit sends that round's messages again.
 */
export async function dispatchOutbox(db: Db, mailer: MailAdapter, batch = 20, backoff: Backoff = DEFAULT_BACKOFF, webUrl?: string): Promise<number> {
  return db.sql.begin(async (tx) => {
    // The recipient's saved zone, if the address is a user's, for the times in the text.
    const rows = await tx<{ id: string; kind: string; to_address: string; subject: string; body: string; attempts: number; time_zone: string | null; link_path: string | null }[]>`
      select o.id, o.kind, o.to_address, o.subject, o.body, o.attempts, u.time_zone, o.link_path from outbox o
      left join users u on lower(u.email) = lower(o.to_address)
      where o.sent_at is null and o.attempts < ${MAX_ATTEMPTS} and o.next_attempt_at <= now()
      order by o.id limit ${batch}
      for update of o skip locked`;
    const sent: string[] = [];
    for (const row of rows) {
      try {
        const body = readableInstants(row.body, row.time_zone ?? 'UTC');
        await mailer.send({ kind: row.kind, to: row.to_address, subject: row.subject, body: webUrl && row.link_path ? withLinks(body, webUrl, row.link_path) : body });
      } catch (err) {
        const waitMs = backoffMs(row.attempts + 1, backoff);
        await tx`
          update outbox set attempts = attempts + 1, last_error = ${String(err)},
            next_attempt_at = now() + ${waitMs} * interval '1 millisecond'
          where id = ${row.id}`;
        break;
      }
      sent.push(row.id);
    }
    if (sent.length) await tx`update outbox set sent_at = now(), attempts = attempts + 1 where id = any(${sent}::int8[])`;
    return sent.length;
  });
}

/**
 * A notification's mail (K-70) ends with where to see it in the web client and where to choose
 * which mails come: `path` is the page the notification is about (`notification_path`,
 * migration 0034), resolved against the web client's public address.
 */
export function withLinks(body: string, webUrl: string, path: string): string {
  const at = (p: string) => new URL(p, webUrl).toString();
  return `${body}\n\nSee it on gigflow: ${at(path)}\n\nChoose which emails gigflow sends you: ${at('/settings/notifications')}`;
}

/**
 * A mail's text with each instant written as the site writes a time (`formatInstant`:
 * `10 Dec 2026, 23:46 GMT+9`) in the recipient's zone, UTC for a zone this runtime does not
 * know: a mail has no page script to localise it. Done at sending, so rows queued before read the
 * same way (the notifications' email trigger copies the notice's text, ISO stamps and all).
 */
export function readableInstants(text: string, timeZone: string): string {
  let zone = timeZone;
  try {
    formatInstant(0, zone);
  } catch {
    zone = 'UTC';
  }
  return instantsIn(text)
    .map((part) => (typeof part === 'string' ? part : formatInstant(part.at, zone)))
    .join('');
}

/** A message the outbox gave up on, for staff. */
export interface FailedMail {
  id: number;
  kind: string;
  to: string;
  subject: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

/** The newest 100 messages that failed MAX_ATTEMPTS times and will not be tried again. */
export async function failedMail(db: Db): Promise<FailedMail[]> {
  const rows = await db.orm
    .select()
    .from(outbox)
    .where(and(isNull(outbox.sentAt), gte(outbox.attempts, MAX_ATTEMPTS)))
    .orderBy(desc(outbox.id))
    .limit(100);
  return rows.map((r) => ({ id: r.id, kind: r.kind, to: r.toAddress, subject: r.subject, attempts: r.attempts, lastError: r.lastError, createdAt: r.createdAt.toISOString() }));
}

/**
 * Sends the outbox until `signal` aborts: at once while there is mail, then every
 * `intervalMs`. Runs in each worker process.
 */
export async function runOutboxDispatcher(opts: { db: Db; mailer: MailAdapter; signal: AbortSignal; intervalMs?: number; backoff?: Backoff; webUrl?: string; onError?: (err: unknown) => void }) {
  const { db, mailer, signal, intervalMs = 1_000, backoff = DEFAULT_BACKOFF, webUrl } = opts;
  // Again at once while a batch sent anything: more may be due.
  await drainUntilAborted({ signal, intervalMs, batch: async () => ({ full: (await dispatchOutbox(db, mailer, 20, backoff, webUrl)) > 0 }), onError: opts.onError });
}
