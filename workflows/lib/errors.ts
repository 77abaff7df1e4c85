/**
 * The catalogue of error codes gigflow's workflows, activities, services and API share. A
 * failure carries one of these codes: as `AppError.code` in services and the database
 * modules, as an `ApplicationFailure`'s type inside workflows and activities. Each code says
 * what went wrong, never how it travels: the API maps codes to HTTP statuses in one place
 * (`api/errors.ts`).
 */
export const errorCodes = {
  invalid_input: 'Malformed or out-of-bounds input.',
  invalid_token: 'A one-time token that is unknown, used or expired.',
  unauthenticated: 'No valid session.',
  invalid_credentials: 'Wrong login or password.',
  forbidden: 'Signed in, but this role may not do this.',
  account_blocked: 'The account is blocked.',
  not_found: 'Unknown, or not the caller’s: the two answer alike, so existence never leaks.',
  conflict: 'The state does not allow this action now.',
  login_taken: 'Another account has this login.',
  email_taken: 'Another account has this email.',
  login_change_used: 'The login was changed once already.',
  promo_already_redeemed: 'This account redeemed the promo code already.',
  rule_violation: 'A business rule refuses it.',
  insufficient_funds: 'Too little money on the balance.',
  payment_declined: 'The payment provider declined the payment.',
  provider_unavailable: 'The payment provider could not be reached or refused the request; nothing was charged or sent.',
  withdrawal_not_allowed: 'A withdrawal rule refuses it: the amount is not withdrawable now, below the minimum, or withdrawals are paused (K-48…K-51, D-04, D-09, D-10).',
  payout_details_locked: 'The payout details cannot be added or changed until a lock lifts (D-10).',
  invalid_webhook: 'A webhook delivery whose signature or timestamp does not verify: nothing was recorded.',
  promo_expired: 'The promo code has expired.',
  promo_exhausted: 'The promo code has no redemptions left.',
  email_not_confirmed: 'The email must be confirmed first.',
  offer_limit: 'A seller’s offer limits (in moderation at once, in total).',
  duplicate_offer: 'The seller has an offer with the same or nearly the same text.',
  rate_limited: 'Too many attempts.',
  payload_too_large: 'The request body is larger than the API takes.',
  unsupported_media_type: 'The request body, or a file in it, is of a type the route does not take (not JSON; a file not among the K-69 formats).',
  quota_exceeded: 'The user’s attachment storage quota would be exceeded (K-69): `details` gives what is used and the limit.',
  method_not_allowed: 'The path exists, but not with this method.',
  needs_attention: 'A write of this workflow failed for good: it holds, refusing actions, until staff resolve it.',
  idempotency_key_reused: 'The Idempotency-Key named a different request before.',
  unknown_referral_code: 'The referral link’s code names no user (K-55): nothing was created.',
  undecodable_payload: 'A payload sent to the codec server is encrypted with a key gigflow does not hold, or its bytes were altered (W-19).',
  service_unavailable: 'The database or Temporal could not be reached (down, restarting, out of connections): try again shortly, with the same Idempotency-Key where the operation takes one.',
} as const;

export type ErrorCode = keyof typeof errorCodes;

/**
 * A service's refusal of one field: `<path>: <message>`, the field in `details.fields` as every
 * refusal of particular fields lists it (`{ path, message, code }`, as the API's schema checks
 * give them; a service's own rule has the code `custom`), with any other `details`. Invalid
 * input (400) unless `code` says otherwise: a well-formed field that a rule refuses is
 * `rule_violation` (422).
 */
export function fieldError(path: string, message: string, code: ErrorCode = 'invalid_input', details?: Record<string, unknown>): AppError {
  return new AppError(code, `${path}: ${message}`, { fields: [{ path, message, code: 'custom' }], ...details });
}

/**
 * A refusal worded as the workflow validators and `textRefusal` word one: `<field>: <why>`, the
 * field named as a request's body names it. As `fieldError` of `body.<field>` when it is so
 * worded, else as it is.
 */
export function refusalError(code: ErrorCode, message: string, details?: Record<string, unknown>): AppError {
  const field = /^([A-Za-z][\w.]*): ([^]+)$/.exec(message);
  return field ? fieldError(`body.${field[1]}`, field[2]!, code, details) : new AppError(code, message, details);
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}

/** A failure with a catalogued code, a message a person can act on, and optional details. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
