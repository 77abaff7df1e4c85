/**
 * Which failures of an activity a retry can cure. Temporal retries an activity until it
 * succeeds unless its failure says otherwise, so a write that can never succeed — text or a
 * number the database refuses, a constraint it breaks, a bug — must say so, or the workflow
 * waits on it forever with its money in escrow. Those become non-retryable
 * `ApplicationFailure`s with a typed code; a lost connection, a serialisation failure or a
 * deadlock, a server shutting down, are retried with backoff as before.
 */
import { ApplicationFailure } from '@temporalio/common';

/** SQLSTATE classes a retry cannot cure: data exceptions (22), integrity violations (23), syntax or access rules (42). */
const HOPELESS_SQL_CLASSES = new Set(['22', '23', '42']);

/** The failure as the workflow should see it: unchanged when a retry may cure it, non-retryable when not. */
export function classified(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    if (!HOPELESS_SQL_CLASSES.has(code.slice(0, 2))) return err;
    return ApplicationFailure.create({
      type: 'data_error',
      message: `the database refused the write (SQLSTATE ${code}): ${(err as Error).message}`,
      nonRetryable: true,
      details: [{ sqlState: code }],
    });
  }
  // A programming error does not heal by trying again.
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) {
    return ApplicationFailure.create({ type: 'bug', message: `${err.name}: ${err.message}`, nonRetryable: true });
  }
  return err;
}

/** `fn` with its failures classified: what a retry cannot cure is not retried. */
export function withClassifiedFailures<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw classified(err);
    }
  };
}
