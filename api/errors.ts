/**
 * The one place failures become HTTP. Every error leaves the API as
 * `{ "error": { "code", "message", "details" } }` with the status that fits it.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { AppError, type ErrorCode } from '../workflows/lib/errors.js';
import type { AppEnv } from './context.js';

/** Every error code's HTTP status: the one place a code becomes a status. */
export const statusOf = {
  invalid_input: 400,
  invalid_token: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  account_blocked: 403,
  not_found: 404,
  conflict: 409,
  login_taken: 409,
  email_taken: 409,
  login_change_used: 409,
  promo_already_redeemed: 409,
  rule_violation: 422,
  insufficient_funds: 422,
  payment_declined: 422,
  provider_unavailable: 503,
  withdrawal_not_allowed: 422,
  payout_details_locked: 422,
  invalid_webhook: 400,
  promo_expired: 422,
  promo_exhausted: 422,
  email_not_confirmed: 422,
  offer_limit: 422,
  duplicate_offer: 422,
  rate_limited: 429,
  payload_too_large: 413,
  unsupported_media_type: 415,
  quota_exceeded: 422,
  method_not_allowed: 405,
  needs_attention: 409,
  idempotency_key_reused: 422,
  unknown_referral_code: 422,
  undecodable_payload: 422,
  service_unavailable: 503,
} as const satisfies Record<ErrorCode, ContentfulStatusCode>;

/** How long a client should wait before trying again after `service_unavailable`. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * Whether a failure is the database's absence rather than a fault of ours: postgres.js's own
 * connection errors, the socket's, and PostgreSQL's connection exceptions (SQLSTATE class 08),
 * shutdown and start-up (57P01–57P03) and a full server (53300). Recognised by their codes, as
 * they arrive from postgres.js (the API's rooms import no driver).
 */
function databaseUnavailable(err: unknown): boolean {
  // drizzle wraps the driver's error (`DrizzleQueryError`), and a socket error can be the cause of the driver's.
  for (let e = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (/^(CONNECTION_|CONNECT_TIMEOUT$|ECONNREFUSED$|ECONNRESET$|ETIMEDOUT$|EPIPE$|EHOSTUNREACH$|ENOTFOUND$|EAI_AGAIN$)/.test(code)) return true;
    if (/^(08[0-9A-Z]{3}|57P0[123]|53300)$/.test(code)) return true;
  }
  return false;
}

export interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

/** A failure a handler raises on purpose; `onError` turns it into its status and body. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A lone UTF-16 surrogate (not half of a pair). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `value` with every string's lone surrogates made U+FFFD: a refusal may quote what was sent (a field's name), and its answer must stay JSON any parser reads. */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\uFFFD');
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [wellFormed(key) as string, wellFormed(item)]));
  }
  return value;
}

/** Every failure's body: `details` always present (`{}` when there is nothing more to say). */
export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message: wellFormed(message) as string, details: details === undefined ? {} : wellFormed(details) } };
}

export interface FieldError {
  /** Where the problem is: `body.amount`, `query.limit`, `param.id`. */
  path: string;
  message: string;
  code: string;
}

/** 400 with every offending field's path (`body.amount`, `query.limit`), for any zod failure. */
export function validationError(target: string, error: ZodError): ApiError {
  const fields = error.issues.flatMap((issue): FieldError[] => {
    const path = [target, ...issue.path.map(String)];
    // An unknown field is reported at its own path, not at the object that holds it.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: 'unknown field', code: issue.code }));
    }
    return [{ path: path.join('.'), message: issue.message, code: issue.code }];
  });
  const first = fields[0];
  return new ApiError(400, 'invalid_input', first ? `${first.path}: ${first.message}` : 'invalid input', { fields });
}

/** The `defaultHook` of every route: a failed zod check answers 400 before the handler runs. */
export function validationHook(
  result: { success: true } | { success: false; error: ZodError; target: string },
  c: Context<AppEnv>,
): Response | undefined {
  if (result.success) return undefined;
  const err = validationError(result.target === 'json' ? 'body' : result.target, result.error);
  return c.json(errorBody(err.code, err.message, err.details), err.status);
}

/**
 * Whether reading the request failed because its client went away or broke it mid-body (a
 * dropped upload, a malformed chunk the parser refused): Node's `aborted` error on the incoming
 * request, which carries ECONNRESET as a database's dropped socket does.
 */
function requestAborted(err: Error, c: Context<AppEnv>): boolean {
  const incoming = (c.env as { incoming?: { readableAborted?: boolean } } | undefined)?.incoming;
  return err.message === 'aborted' && incoming?.readableAborted === true;
}

export function onError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.details), err.status);
  if (requestAborted(err, c)) {
    // The client's fault, not a service's: said so in the log and the metrics (nobody reads the answer).
    c.var.log.info('the request ended before its body arrived whole');
    return c.json(errorBody('invalid_request', 'the request ended before its body arrived whole'), 400);
  }
  if (databaseUnavailable(err) || (err instanceof AppError && err.code === 'service_unavailable')) {
    // Not a bug of ours, and nothing to retry here: the caller tries again (with its key).
    c.var.log.warn({ err }, 'a service we depend on is unavailable');
    c.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    return c.json(errorBody('service_unavailable', 'the service is unavailable for a moment: try again shortly', { requestId: c.var.requestId }), statusOf.service_unavailable);
  }
  if (err instanceof AppError) {
    if (err.code === 'rate_limited' && typeof err.details?.retryAfterSeconds === 'number') {
      c.header('Retry-After', String(err.details.retryAfterSeconds));
    }
    return c.json(errorBody(err.code, err.message, err.details), statusOf[err.code]);
  }
  if (err instanceof HTTPException && err.status < 500) {
    // Hono's own 4xx: malformed JSON, a body over the size limit, a wrong content type.
    const code = err.status === 400 ? 'invalid_request' : err.status === 413 ? 'payload_too_large' : 'http_error';
    return c.json(errorBody(code, err.message || 'bad request'), err.status as ContentfulStatusCode);
  }
  // Anything else is our fault: log it whole, answer without internals.
  c.var.log.error({ err }, 'unhandled error');
  return c.json(errorBody('internal', 'internal server error', { requestId: c.var.requestId }), 500);
}

/** 404 for a path no route answers; 405 with `Allow` for a path that exists with other methods. */
export function onNotFound(c: Context<AppEnv>, allowed: string[]): Response {
  // A route of this method that answered "not found" itself (an unknown asset) is a 404 too.
  if (allowed.length === 0 || allowed.includes(c.req.method)) return c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404);
  c.header('Allow', allowed.join(', '));
  return c.json(errorBody('method_not_allowed', `${c.req.path} takes ${allowed.join(', ')}, not ${c.req.method}`, { allow: allowed }), 405);
}
