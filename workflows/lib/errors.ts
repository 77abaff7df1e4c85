/**
 * The catalogue of error codes gigflow's workflows, activities and API share. A failure
 * carries one of these codes (as `AppError.code`, or as an `ApplicationFailure` type inside
 * workflows); the API maps each code to its HTTP status in one place (`api/errors.ts`).
 */
export const errorStatus = {
  /** Malformed or out-of-bounds input. */
  invalid_input: 400,
  /** A one-time token that is unknown, used or expired. */
  invalid_token: 400,
  /** No valid session. */
  unauthenticated: 401,
  /** Wrong login or password. */
  invalid_credentials: 401,
  /** Signed in, but this role may not call this route. */
  forbidden: 403,
  account_blocked: 403,
  /** Unknown, or not the caller's: the two answer alike, so existence never leaks. */
  not_found: 404,
  /** The state does not allow this action now. */
  conflict: 409,
  login_taken: 409,
  email_taken: 409,
  login_change_used: 409,
  promo_already_redeemed: 409,
  /** A business rule refuses it. */
  rule_violation: 422,
  insufficient_funds: 422,
  payment_declined: 422,
  promo_expired: 422,
  promo_exhausted: 422,
  email_not_confirmed: 422,
  /** A seller's offer limits (in moderation at once, in total). */
  offer_limit: 422,
  duplicate_offer: 422,
  rate_limited: 429,
} as const;

export type ErrorCode = keyof typeof errorStatus;

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
