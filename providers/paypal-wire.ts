/**
 * PayPal's wire conventions: JSON bodies, money as `{currency_code, value:'12.34'}` (Orders)
 * or `{currency, value}` (Payouts), ISO times without milliseconds, and errors as
 * `{name, message, debug_id, details:[{field, location, issue, description}]}`.
 */
import { z } from 'zod';
import { debugId } from './ids.js';

export interface ErrorDetail {
  field?: string;
  location?: 'body' | 'path' | 'query' | 'header';
  issue: string;
  description: string;
}

/** An error in PayPal's shape. `replayable: false` for a request refused before it ran. */
export class PayPalError extends Error {
  override name = 'PayPalError';
  constructor(
    readonly status: 400 | 401 | 404 | 422 | 500,
    readonly errorName: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly replayable = true,
  ) {
    super(message);
  }

  body() {
    return { name: this.errorName, message: this.message, debug_id: debugId(), details: this.details, links: [] };
  }
}

export function notFound(what: string): PayPalError {
  return new PayPalError(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.', [
    { issue: 'INVALID_RESOURCE_ID', description: `Specified resource ID does not exist (${what}). Please check the resource ID and try again.` },
  ]);
}

export function unprocessable(issue: string, description: string): PayPalError {
  return new PayPalError(422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', [{ issue, description }]);
}

export function invalidRequest(details: ErrorDetail[]): PayPalError {
  return new PayPalError(400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', details, false);
}

/** `body` checked against `schema`, or 400 INVALID_REQUEST naming each field (JSON Pointer). */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw invalidRequest(result.error.issues.map((issue) => ({
    field: `/${issue.path.join('/')}`,
    location: 'body',
    issue: valueAt(body, issue.path) === undefined ? 'MISSING_REQUIRED_PARAMETER' : 'INVALID_PARAMETER_VALUE',
    description: issue.message,
  })));
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value = body;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/** A positive amount with exactly two decimals, as PayPal wants USD written. */
export const moneyValue = z.string().regex(/^\d{1,10}\.\d{2}$/, 'must be a positive amount with two decimals, e.g. 12.34').refine((value) => toCents(value) > 0, 'must be more than zero');

/** '12.34' → 1234 (exact: no floating point). */
export function toCents(value: string): number {
  const negative = value.startsWith('-');
  const [whole, fraction = '00'] = value.replace('-', '').split('.');
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
  return negative ? -cents : cents;
}

/** 1234 → '12.34', -1234 → '-12.34'. */
export function toValue(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** PayPal's timestamps: ISO 8601 in UTC, to the second. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const orderSchema = z.object({
  intent: z.literal('CAPTURE', 'only intent CAPTURE is supported'),
  purchase_units: z.array(z.object({
    reference_id: z.string().min(1).max(256).optional(),
    custom_id: z.string().max(127).optional(),
    invoice_id: z.string().max(127).optional(),
    description: z.string().max(127).optional(),
    amount: z.object({ currency_code: z.literal('USD', 'only USD is supported'), value: moneyValue }),
  })).length(1, 'exactly one purchase unit is supported'),
  payment_source: z.object({
    paypal: z.object({
      experience_context: z.object({ return_url: z.url({ protocol: /^https?$/ }), cancel_url: z.url({ protocol: /^https?$/ }) }).loose(),
    }).loose(),
  }),
});

export type OrderInput = z.infer<typeof orderSchema>;

export const payoutSchema = z.object({
  sender_batch_header: z.object({
    sender_batch_id: z.string().min(1).max(256),
    email_subject: z.string().max(255).optional(),
    email_message: z.string().max(1000).optional(),
  }),
  items: z.array(z.object({
    recipient_type: z.literal('EMAIL', 'only EMAIL receivers are supported').default('EMAIL'),
    amount: z.object({ value: moneyValue, currency: z.literal('USD', 'only USD is supported') }),
    receiver: z.email(),
    sender_item_id: z.string().max(63).optional(),
    note: z.string().max(4000).optional(),
  })).min(1).max(15_000),
});

export type PayoutInput = z.infer<typeof payoutSchema>;

export const verifySchema = z.object({
  auth_algo: z.string().min(1),
  cert_url: z.string().min(1),
  transmission_id: z.string().min(1),
  transmission_sig: z.string().min(1),
  transmission_time: z.string().min(1),
  webhook_id: z.string().min(1),
  webhook_event: z.record(z.string(), z.unknown()),
});
