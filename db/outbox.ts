/**
 * Email goes through the outbox: a row written in the same transaction as the event that
 * causes it (so a rolled-back request sends nothing), then handed to a mail adapter by the
 * dispatcher. In development the adapter writes each message to the log, and the dev-only
 * `GET /dev/outbox` reads the rows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type postgres from 'postgres';
import type { Db } from './client.js';
import { outbox } from './schema/users.js';
import type { Tx } from './tx.js';

export interface MailMessage {
  kind: string;
  to: string;
  subject: string;
  body: string;
}

/** Where mail leaves gigflow: SMTP or a provider's API in production, the log in development. */
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

// A message that failed this many times stays in the outbox for a person to look at.
const MAX_ATTEMPTS = 10;

/**
 * Sends what the outbox holds, oldest first: up to `batch` rows claimed at once with SKIP
 * LOCKED, so several dispatchers (one per worker) never send a message twice, and marked sent
 * together (one transaction a round, not one a message). A failure ends the round: the adapter
 * is likely down, and the next round retries. Returns how many were sent. Delivery is at least
 * once: a crash after a send and before the commit sends that round's messages again.
 */
export async function dispatchOutbox(db: Db, mailer: MailAdapter, batch = 20): Promise<number> {
  return db.sql.begin(async (tx) => {
    const rows = await tx<{ id: string; kind: string; to_address: string; subject: string; body: string }[]>`
      select id, kind, to_address, subject, body from outbox
      where sent_at is null and attempts < ${MAX_ATTEMPTS}
      order by id limit ${batch}
      for update skip locked`;
    const sent: string[] = [];
    for (const row of rows) {
      try {
        await mailer.send({ kind: row.kind, to: row.to_address, subject: row.subject, body: row.body });
      } catch (err) {
        await tx`update outbox set attempts = attempts + 1, last_error = ${String(err)} where id = ${row.id}`;
        break;
      }
      sent.push(row.id);
    }
    if (sent.length) await tx`update outbox set sent_at = now(), attempts = attempts + 1 where id = any(${sent}::int8[])`;
    return sent.length;
  });
}

/**
 * Sends the outbox until `signal` aborts: at once while there is mail, then every
 * `intervalMs`. Runs in each worker process.
 */
export async function runOutboxDispatcher(opts: { db: Db; mailer: MailAdapter; signal: AbortSignal; intervalMs?: number; onError?: (err: unknown) => void }) {
  const { db, mailer, signal, intervalMs = 1_000 } = opts;
  while (!signal.aborted) {
    let sent = 0;
    try {
      sent = await dispatchOutbox(db, mailer);
    } catch (err) {
      opts.onError?.(err);
    }
    // The wait removes its abort listener when it ends: one added per idle second and never
    // removed would pile up for the worker's whole life.
    if (sent === 0) await sleep(intervalMs, undefined, { signal }).catch(() => {});
  }
}
