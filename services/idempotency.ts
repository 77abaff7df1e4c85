/**
 * Idempotency keys (issue 13): a retried request — the same `Idempotency-Key` and the same
 * request — answers what the first one did; the same key with a different request is refused
 * with 422 `idempotency_key_reused`, as Stripe does. "The same request" is the same operation
 * with the same parsed body (defaults filled in, text normalised), compared by a SHA-256 of its
 * canonical JSON; a cart checkout has no body, so for it the same key on the checkout is the same
 * request, whatever the cart holds by the retry (the first checkout emptied it). Keys are the
 * user's own; one key names one request across all three operations.
 */
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { idempotencyKeys, type KeyedOperation } from '../db/schema/requests.js';
import { AppError } from '../workflows/lib/errors.js';

/** A request sent with an `Idempotency-Key`. */
export interface KeyedRequest {
  key: string;
  operation: KeyedOperation;
  /** SHA-256 (hex) of the operation and the parsed body, as canonical JSON. */
  fingerprint: string;
}

/** JSON with every object's keys in order, so that equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function keyedRequest(key: string, operation: KeyedOperation, body: unknown): KeyedRequest {
  const fingerprint = createHash('sha256').update(canonicalJson({ operation, body })).digest('hex');
  return { key, operation, fingerprint };
}

/** 422 `idempotency_key_reused` when the user's key names a different request than this one. */
export async function assertSameRequest(db: Db, userId: number, request: KeyedRequest): Promise<void> {
  const [first] = await db.orm
    .select({ operation: idempotencyKeys.operation, fingerprint: idempotencyKeys.fingerprint })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, request.key)));
  if (first && first.fingerprint !== request.fingerprint) {
    throw new AppError('idempotency_key_reused', 'this Idempotency-Key was used for a different request: send a new key for a new request', {
      operation: first.operation,
    });
  }
}

/** The key's row, for a drizzle transaction to write beside what the request did. */
export const keyRow = (userId: number, request: KeyedRequest, at: Date) => ({ userId, ...request, createdAt: at });

/**
 * Records the key in `tx`, the transaction of what the request did; false when a concurrent
 * request with the same key committed first (the insert waited for it).
 */
export async function recordKeyIn(tx: postgres.TransactionSql, userId: number, request: KeyedRequest, at: Date): Promise<boolean> {
  const inserted = await tx`
    insert into idempotency_keys (user_id, key, operation, fingerprint, created_at)
    values (${userId}, ${request.key}, ${request.operation}, ${request.fingerprint}, ${at.toISOString()}::timestamptz)
    on conflict do nothing
    returning key`;
  return inserted.length > 0;
}

const inFlight = new Map<string, Promise<unknown>>();

/**
 * Runs `work` once every earlier call of this process under the same user and key has
 * finished: requests sent twice at once with one key (a double click, a client's retry while
 * the first still runs) then answer one after the other, the second as a retry of the first,
 * instead of both charging the payer. Across processes the database's unique keys decide.
 */
export async function oneRequestAtATime<T>(userId: number, key: string, work: () => Promise<T>): Promise<T> {
  const lock = `${userId}:${key}`;
  const previous = inFlight.get(lock) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  inFlight.set(lock, tail);
  try {
    return await run;
  } finally {
    if (inFlight.get(lock) === tail) inFlight.delete(lock);
  }
}
