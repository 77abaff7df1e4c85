/**
 * The card processor's wire conventions, Stripe's: form bodies in bracket notation
 * (`metadata[top_up_id]=5`, `expand[]=latest_charge`), errors as
 * `{"error":{"type","code","message","param"}}`, and lists as `{object:'list', data, has_more}`.
 */

/** A parsed form: `a=1` → `'1'`, `a[]=1&a[]=2` → `['1','2']`, `a[b]=1` → `{b:'1'}`. */
export type StripeParams = Record<string, string | string[] | Record<string, string>>;

/** An error in Stripe's shape. `replayable: false` for requests refused before they ran. */
export class CardError extends Error {
  override name = 'CardError';
  constructor(
    readonly status: number,
    readonly type: 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error',
    readonly code: string | undefined,
    message: string,
    readonly param?: string,
    readonly replayable = true,
  ) {
    super(message);
  }

  body() {
    return { error: { type: this.type, code: this.code, message: this.message, param: this.param } };
  }
}

/** 400 for a parameter: not kept under an idempotency key (Stripe saves no result for these). */
export function invalidParam(code: string, message: string, param: string): CardError {
  return new CardError(400, 'invalid_request_error', code, message, param, false);
}

/** 404 `resource_missing` for an id that names nothing. */
export function resourceMissing(kind: string, id: string, param = 'id'): CardError {
  return new CardError(404, 'invalid_request_error', 'resource_missing', `No such ${kind}: '${id}'`, param);
}

/** Parses a form body or query string in bracket notation (one level of nesting). */
export function parseStripeForm(text: string): StripeParams {
  const params: StripeParams = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const match = /^([A-Za-z0-9_.]+)(?:\[([^\][]*)\])?$/.exec(rawKey);
    if (!match) throw invalidParam('parameter_unknown', `Received unknown parameter: ${rawKey}`, rawKey);
    const [, name, sub] = match as unknown as [string, string, string | undefined];
    const existing = params[name];
    if (sub === undefined) {
      params[name] = value;
    } else if (sub === '') {
      params[name] = Array.isArray(existing) ? [...existing, value] : [value];
    } else {
      const object = existing !== undefined && typeof existing === 'object' && !Array.isArray(existing) ? existing : {};
      object[sub] = value;
      params[name] = object;
    }
  }
  return params;
}

/** Refuses parameters outside `allowed`, as Stripe does (a typo must not pass silently). */
export function onlyKnown(params: StripeParams, allowed: readonly string[]): void {
  for (const name of Object.keys(params)) {
    if (!allowed.includes(name)) throw invalidParam('parameter_unknown', `Received unknown parameter: ${name}`, name);
  }
}

/** A plain string parameter, or undefined when absent. */
export function stringParam(params: StripeParams, name: string, required = false): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') {
    if (required) throw invalidParam('parameter_missing', `Missing required param: ${name}.`, name);
    return undefined;
  }
  if (typeof value !== 'string') throw invalidParam('parameter_invalid_string', `Invalid string: ${name}`, name);
  return value;
}

/** A whole number within [min, max], or undefined when absent and not required. */
export function integerParam(params: StripeParams, name: string, range: { min: number; max: number }, required = false): number | undefined {
  const text = stringParam(params, name, required);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw invalidParam('parameter_invalid_integer', `Invalid integer: ${text}`, name);
  const value = Number(text);
  if (value < range.min) throw invalidParam(name === 'amount' ? 'amount_too_small' : 'parameter_invalid_integer', `${name} must be at least ${range.min}`, name);
  if (value > range.max) throw invalidParam(name === 'amount' ? 'amount_too_large' : 'parameter_invalid_integer', `${name} must be at most ${range.max}`, name);
  return value;
}

/** Amounts in cents: at least 1, at most Stripe's $999,999.99. */
export function amountParam(params: StripeParams, required: boolean): number | undefined {
  return integerParam(params, 'amount', { min: 1, max: 99_999_999 }, required);
}

/** The only currency gigflow uses. */
export function usdParam(params: StripeParams): 'usd' {
  const currency = stringParam(params, 'currency', true)!.toLowerCase();
  if (currency !== 'usd') throw invalidParam('parameter_invalid', `Invalid currency: ${currency}. This processor supports usd only.`, 'currency');
  return 'usd';
}

/** `metadata[key]=value` pairs, within Stripe's limits (50 keys, 40-character keys, 500-character values). */
export function metadataParam(params: StripeParams): Record<string, string> {
  const value = params.metadata;
  if (value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParam('parameter_invalid', 'metadata must be a hash (metadata[key]=value)', 'metadata');
  const entries = Object.entries(value);
  if (entries.length > 50) throw invalidParam('parameter_invalid', 'metadata may have at most 50 keys', 'metadata');
  for (const [key, text] of entries) {
    if (key.length > 40 || text.length > 500) throw invalidParam('parameter_invalid', `metadata[${key}] is too long`, `metadata[${key}]`);
  }
  return { ...value };
}

/** The `expand[]` paths asked for. */
export function expandParam(params: StripeParams): string[] {
  const value = params.expand;
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
}

/** One page of a list, newest first, after `starting_after` (Stripe's cursor). */
export function listPage<T extends { id: string }>(newestFirst: T[], params: StripeParams, url: string, kind: string): { object: 'list'; url: string; has_more: boolean; data: T[] } {
  const limit = integerParam(params, 'limit', { min: 1, max: 100 }) ?? 10;
  const after = stringParam(params, 'starting_after');
  let start = 0;
  if (after !== undefined) {
    const index = newestFirst.findIndex((item) => item.id === after);
    if (index < 0) throw resourceMissing(kind, after, 'starting_after');
    start = index + 1;
  }
  const data = newestFirst.slice(start, start + limit);
  return { object: 'list', url, has_more: start + limit < newestFirst.length, data };
}
